"""Benchmarks (not part of the application; see bench/README.md)."""
