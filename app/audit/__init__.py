"""The audit log: who changed what that matters, before and after, when, from where."""
