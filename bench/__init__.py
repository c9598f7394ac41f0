"""Benchmarks: `python -m bench` (or `payment-bot bench`) prints one table and writes JSON."""
