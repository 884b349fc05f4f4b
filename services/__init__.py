"""Use cases the entry points call, and the one wiring module that builds the adapters."""
