"""Shared plumbing that belongs to no feature: time, access checks, pagination, security."""
