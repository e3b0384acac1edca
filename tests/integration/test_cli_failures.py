"""Failures an operator meets on a first day, run through `fera`'s own entry point in-process: one line that
says what to check, a non-zero exit, no traceback (nor a thread's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.cli import one_line_failure
from tests.integration.test_cli_usage import fera_main

CPO = """
[node]
public_url = "http://127.0.0.1:18999"
listen = "127.0.0.1:18999"
database_url = "{database}"

[[roles]]
role = "CPO"
country_code = "NL"
party_id = "CPO"
name = "Test CPO"
"""


@pytest.mark.parametrize("command", [["status"], ["partners", "list"], ["locations", "list"]])
def test_a_sqlite_file_in_a_missing_directory_is_one_line(
    command: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    missing = tmp_path / "no" / "such" / "dir"
    config = tmp_path / "cpo.toml"
    config.write_text(CPO.format(database=f"sqlite+aiosqlite:///{missing}/cpo.sqlite3"))

    run = fera_main(capsys, monkeypatch, *command, "--config", str(config))

    one_line_failure(run, f"no such directory for the SQLite file: '{missing}'", "check [node] database_url")
    assert run.code == 1
    assert not missing.parent.exists()
