"""Recruitment: teams, campaigns, applications, review, membership, volunteer profiles."""
