"""Benchmarks: `make bench` prints figures. Tests assert behaviour, never speed."""
