"""Documents in and out: plan files, schedules, reports, plan import, BPMN export."""
