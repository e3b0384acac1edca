"""Usage errors of every `fera` command (an unknown option, a missing one, a bad value, an unknown command):
one line saying what is wrong and which help to read, exit code 2, never Click's boxed usage text.

`fera`'s own entry point (`fera.cli.main:main`) runs in-process: a usage error stops before any command runs.
"""

from __future__ import annotations

import sys

import pytest
import typer

from fera.cli.main import app, main
from tests.integration.cli import Run, one_line_failure


def _commands() -> list[tuple[list[str], bool]]:
    """Every leaf command's words, and whether it needs --config."""
    found: list[tuple[list[str], bool]] = []

    def walk(command: object, words: list[str]) -> None:
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for name, sub in subcommands.items():
                walk(sub, [*words, name])
            return
        params = getattr(command, "params", [])
        found.append((words, any(p.name == "config" and p.required for p in params)))

    walk(typer.main.get_command(app), [])
    return found


def fera_main(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str) -> Run:
    monkeypatch.setattr(sys, "argv", ["fera", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    out = capsys.readouterr()
    assert isinstance(exited.value.code, int)
    return Run(exited.value.code, out.out + out.err)


def _usage_failure(run: Run, *expected: str) -> None:
    one_line_failure(run, *expected, "--help')")
    assert run.code == 2 and "╭" not in run.out and "Usage:" not in run.out, run.out


def test_every_command_words_its_usage_errors_in_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    commands = _commands()
    assert len(commands) >= 19  # serve, demo, status, simulate, config check, partners …, signals …
    for words, needs_config in commands:
        unknown = fera_main(capsys, monkeypatch, *words, "--no-such-option")
        _usage_failure(unknown, "No such option", f"fera {' '.join(words)} --help')")
        if needs_config:
            _usage_failure(fera_main(capsys, monkeypatch, *words), "Missing")


def test_bad_values_and_unknown_commands(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    speed = fera_main(capsys, monkeypatch, "simulate", "--speed", "fast")
    _usage_failure(speed, "Invalid value for '--speed'", "fera simulate --help')")
    _usage_failure(fera_main(capsys, monkeypatch, "nope"), "No such command 'nope'", "fera --help')")
    option = fera_main(capsys, monkeypatch, "status", "--config")
    _usage_failure(option, "Option '--config' requires an argument")


def test_help_and_version_still_exit_0(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert fera_main(capsys, monkeypatch, "--version").code == 0
    shown = fera_main(capsys, monkeypatch, "partners", "--help")
    assert shown.code == 0 and "invite" in shown.out
