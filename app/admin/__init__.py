"""Admin tools: job history, roster import, personal data, backup."""
