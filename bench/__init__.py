"""Benchmarks of the pipeline at district and national scale (issue 7): `python -m bench`."""
