"""docs/quickstart.md, run as written: its ```sh blocks (the ```console one sets up the reader's directory,
which the test does itself), its example files, real `fera serve` processes.

Only the ports change (free loopback ports instead of 8001, 8002 and 9000), in the files and the commands
alike. `fera` is this interpreter running this source tree.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from fera.server import free_port

DOCS = Path(__file__).resolve().parents[2] / "docs"
PORTS = ("127.0.0.1:8001", "127.0.0.1:8002", "127.0.0.1:9000")
RUN_S = 150  # the whole page, on a loaded machine (it takes ~25 s on an idle one)
# Above RUN_S, so the test's own bound fires first and stops the script and its nodes (pytest-timeout would
# leave them running, and their pipe would fail a later test with a ResourceWarning).
pytestmark = pytest.mark.timeout(RUN_S + 60)


def shell_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```sh\n(.*?)^```$", markdown, flags=re.DOTALL | re.MULTILINE)


def workdir(tmp: Path, ports: dict[str, str]) -> Path:
    """The example files, with our ports, and a `fera` command on the PATH."""
    for file in (DOCS / "quickstart").iterdir():
        (tmp / file.name).write_text(_with_ports(file.read_text(), ports))
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    fera = bin_dir / "fera"
    fera.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m fera "$@"\n')
    fera.chmod(0o755)
    return bin_dir


def _with_ports(text: str, ports: dict[str, str]) -> str:
    for old, new in ports.items():
        text = text.replace(old, new)
    return text


def test_the_quickstart_charges_a_car(tmp_path: Path) -> None:
    blocks = shell_blocks((DOCS / "quickstart.md").read_text())
    ports = {port: f"127.0.0.1:{free_port()}" for port in PORTS}
    bin_dir = workdir(tmp_path, ports)
    script = "set -euo pipefail\n" + _with_ports("\n".join(blocks), ports)
    env = dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}", PYTHONPATH=os.pathsep.join(sys.path))
    process = subprocess.Popen(
        ["bash", "-c", script],
        cwd=tmp_path,
        env=env,
        text=True,
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        output, _ = process.communicate(timeout=RUN_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)
        output, _ = process.communicate(timeout=30)  # what it printed, and its pipe closed
        pytest.fail(f"the quickstart did not finish in {RUN_S} s:\n{output}")
    finally:
        if process.poll() is None or _alive(process.pid):
            os.killpg(process.pid, signal.SIGTERM)  # the group we started: the script and its nodes
    logs = {name: (tmp_path / name).read_text() for name in ("cpo.log", "emsp.log")}

    assert process.returncode == 0, output + "\n".join(logs.values())
    delivered = re.search(r"(\d+)/(\d+) EVs charged, ([\d.]+) of ([\d.]+) kWh delivered", output)
    assert delivered is not None, output
    assert delivered.group(1) == delivered.group(2) == "2" and float(delivered.group(3)) > 0, output
    for text in (output, *logs.values()):
        assert "Traceback" not in text, text
    assert "Imported 1 locations into the serving node cpo" in output
    assert "Imported 2 tokens into the serving node emsp" in output
    evses = re.findall(r"│ (LOC1-E1|CS-0001-2) +│ (\w+) +│", output)
    assert [uid for uid, _ in evses] == ["LOC1-E1", "CS-0001-2"], output  # the second one learnt
    assert re.search(r"│ SIM000001 +│ RFID +│ NL-QMS-C00001-2 +│", output), output


def test_the_page_names_only_example_files_that_exist() -> None:
    page = (DOCS / "quickstart.md").read_text()
    for name in re.findall(r"\(quickstart/([^)]+)\)", page):
        assert (DOCS / "quickstart" / name).is_file(), name


def _alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True
