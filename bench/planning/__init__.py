"""Planner benchmarks: `python -m bench.planning [acn|price|scale|all] [--quick]`."""
