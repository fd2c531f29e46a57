"""Benchmarks for `lq`, run side by side with the Parse JS SDK and Parse Server.

`python -m bench run` runs everything and writes a JSON result under
``bench/results/``; see ``BENCHMARKS.md`` for the figures and how they were taken.
"""
