"""Benchmarks: `make bench` prints a table; targets are checked here, not in timed tests."""
