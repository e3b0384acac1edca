"""The one-command demo of FERA's topologies."""

from fera.demo.run import DemoReport, run_demo

__all__ = ["DemoReport", "run_demo"]
