"""Benchmarks of fera.charging."""
