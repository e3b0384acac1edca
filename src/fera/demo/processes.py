"""Nodes as separate `fera serve` processes on loopback ports, each with its own config and database."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from fera.config import NodeConfig

__all__ = ["NodeProcess", "start_node_process"]

# A node process imports its dependencies and migrates its database before it listens: on a loaded machine
# that took over 20 s, and over 60 s at load averages of 17-28 (the demo then failed for nothing). A node that
# exits is seen at once; this only bounds one that hangs.
READY_S = 180.0


@dataclass
class NodeProcess:
    config: NodeConfig
    config_path: Path
    process: subprocess.Popen[bytes]

    @property
    def versions_url(self) -> str:
        return self.config.public_url + "/ocpi/versions"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


async def start_node_process(
    config: NodeConfig, path: Path, log: Path, serve_args: Sequence[str] = ()
) -> NodeProcess:
    """`python -m fera serve [serve_args]`, its stdout and stderr to `log`; returns when its versions endpoint
    answers (401 without a token)."""
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "fera", "serve", "--config", str(path), *serve_args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=os.environ | {"PYTHONUNBUFFERED": "1"},
        )
    node = NodeProcess(config, path, process)
    await _wait_ready(node, log)
    return node


async def _wait_ready(node: NodeProcess, log: Path) -> None:
    try:
        async with asyncio.timeout(READY_S), httpx.AsyncClient(timeout=1.0) as http:
            while True:
                if node.process.poll() is not None:
                    raise RuntimeError(f"node {node.config.name} exited; see {log}")
                try:
                    await http.get(node.versions_url)
                    return
                except httpx.TransportError:
                    await asyncio.sleep(0.1)  # a separate process: nothing to await but its port
    except TimeoutError:
        node.stop()
        within = f"did not start within {READY_S:.0f} s"
        raise RuntimeError(f"node {node.config.name} {within}; see {log}") from None
