"""Notifications: in-app messages and the email outbox, one service every feature calls."""
