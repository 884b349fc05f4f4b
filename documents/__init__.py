"""Documents in and out: plans (files, import, schedule), the consolidated report, BPMN export."""
