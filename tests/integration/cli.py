"""Running the real `fera` command as a subprocess beside nodes served in the test's event loop."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from fera.config import NodeConfig

TABLES = ("roles", "contracts", "delegations", "sites", "stations")
SRC = str(Path(__file__).resolve().parents[2] / "src")


@dataclass(frozen=True)
class Run:
    code: int
    out: str

    @property
    def lines(self) -> list[str]:
        return [line for line in self.out.splitlines() if line.strip()]


def write_config(config: NodeConfig, path: Path, **node: Any) -> Path:
    """The node's configuration as a TOML file, with `node` keys overridden."""
    raw = config.model_dump(mode="json", exclude_none=True)
    tables = {k: raw.pop(k) for k in TABLES if raw.get(k)}
    clock = {"clock": raw.pop("clock")} if "clock" in raw else {}
    for key in TABLES:
        raw.pop(key, None)
    path.write_text(tomli_w.dumps({"node": raw | node} | tables | clock))
    return path


async def fera(*args: str, timeout: float = 120) -> Run:
    """`python -m fera ARGS`, stdout and stderr together; without blocking the nodes served by this loop."""
    env = os.environ | {"PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "fera", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=env,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(), timeout)
    assert process.returncode is not None
    return Run(process.returncode, out.decode())


def one_line_failure(run: Run, *expected: str) -> None:
    """A failure as users should see it: non-zero, no traceback, one line naming what to do."""
    assert run.code != 0, run.out
    assert "Traceback" not in run.out, run.out
    assert len(run.lines) == 1, run.out
    for text in expected:
        assert text in run.out, run.out
