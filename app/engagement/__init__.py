"""Engagement: nightly scores and segments per person, dashboards, nudges, annual reports
and group portraits."""
