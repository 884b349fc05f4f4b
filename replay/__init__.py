"""The simulated year (clock, simulated people) that drives the flows and the portal."""
