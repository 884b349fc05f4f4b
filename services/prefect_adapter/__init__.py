"""The one adapter between cchc and Prefect outside flow bodies: runs, automations, probes,
settings. Importing it imports no Prefect: Prefect reads its settings when first imported,
and some callers (the demo, the stack) set them just before."""
