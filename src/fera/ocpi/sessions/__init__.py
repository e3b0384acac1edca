"""OCPI 2.2.1 sessions module."""
