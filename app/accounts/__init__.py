"""Accounts: people, roles, login, profile, and the people admin."""
