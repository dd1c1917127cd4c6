"""Announcements: a coordinator's message to an audience they may reach, frozen when it is
sent, delivered by a job, with read receipts and one reminder to the unread."""
