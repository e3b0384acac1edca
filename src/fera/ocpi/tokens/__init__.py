"""OCPI 2.2.1 tokens module."""
