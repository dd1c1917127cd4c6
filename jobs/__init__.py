"""Scheduled jobs: one registry, a recorded run for every execution, one scheduler process."""
