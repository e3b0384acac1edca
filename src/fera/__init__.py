"""FERA: smart charging over OCPI 2.2.1."""

__version__ = "0.1.0"
