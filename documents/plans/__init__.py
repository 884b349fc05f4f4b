"""Plans in and out: YAML plan files read, plan documents imported, the schedule written."""
