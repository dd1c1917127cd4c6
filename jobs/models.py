"""Models (to be written)."""
