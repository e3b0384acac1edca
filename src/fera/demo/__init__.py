"""The one-command demo of FERA's three smart-charging topologies."""

from fera.demo.report import DemoReport
from fera.demo.run import run_demo
from fera.demo.scenario import Scenario

__all__ = ["DemoReport", "Scenario", "run_demo"]
