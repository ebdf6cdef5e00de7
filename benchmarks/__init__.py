"""The benchmark harness: `python benchmarks/run.py` (see its docstring and BENCHMARKS.md)."""
