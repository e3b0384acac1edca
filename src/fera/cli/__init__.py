"""`fera` command line: serve a node, manage partners, run the demo."""

from fera.cli.main import app

__all__ = ["app"]
