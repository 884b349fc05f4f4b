"""Prefect flows: thin sequences of tasks, each task one service call."""
