"""Benchmarks of ecei-watch against a hand-written yardstick; see bench/run.py."""
