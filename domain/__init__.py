"""Pure rules of cchc: plan model, calendar, schedule, task lifecycle, escalation ladder."""
