"""OCPI 2.2.1 locations module."""
