"""Benchmarks: every figure measured beside the ceiling that bounds it, on the same machine, in one run.

Run with ``make bench`` (or ``python -m bench``); ``bench/README.md`` explains each figure and holds the latest table.
"""
