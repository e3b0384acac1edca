"""Benchmarks of fera.ocpp."""
