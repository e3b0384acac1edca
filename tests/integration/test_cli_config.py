"""`fera config check` and `fera --version`: every configuration error at once, each with its key path."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from fera import __version__
from fera.cli import app
from fera.config import ConfigError
from fera.config_file import load_config

GOOD = """
[node]
public_url = "http://127.0.0.1:8000"

[[roles]]
role = "CPO"
country_code = "NL"
party_id = "CPO"
name = "Test CPO"

[[stations]]
id = "CS-1"
location = "LOC1"
evses = [{ ocpp_id = 1, evse_uid = "LOC1-E1" }]
"""

BAD = """
name = "cpo"

[node]
publc_url = "http://127.0.0.1:8000"
database_url = "postgresql://fera@db/fera"

[[roles]]
role = "CPO"
country_code = "NL"
party_id = "CPO"
name = "Test CPO"

[[station]]
id = "CS-9"

[[stations]]
id = "CS-1"
location = "LOC1"
evses = [{ ocpp_id = 1, evse_uid = "E1" }, { ocpp_id = 0, evse_uid = "E2", conector_id = "2" }]

[[stations]]
id = "CS-1"
location = "LOC1"
evses = [{ ocpp_id = 1, evse_uid = "E3" }]
"""


def _check(tmp_path: Path, text: str) -> tuple[int, list[str]]:
    path = tmp_path / "node.toml"
    path.write_text(text)
    result = CliRunner().invoke(app, ["config", "check", "-c", str(path)])
    return result.exit_code, [
        line.removeprefix(f"Configuration error: {path}: ") for line in result.output.splitlines()
    ]


def test_every_error_with_its_key_path(tmp_path: Path) -> None:
    code, lines = _check(tmp_path, BAD)

    assert code == 2
    assert sorted(lines) == sorted(
        [
            "name: outside any table: put it under [node]",
            "unknown table 'station' (did you mean 'stations'?)",
            "node.publc_url: unknown key (did you mean 'public_url'?)",
            "node.public_url: required",
            "node.database_url: postgresql:// needs the async driver: write postgresql+asyncpg://fera@db/fera",
            "stations[0].evses[1].ocpp_id: Input should be greater than 0",
            "stations[0].evses[1].conector_id: unknown key (did you mean 'connector_id'?)",
        ]
    )


def test_checks_across_entries_once_the_fields_are_right(tmp_path: Path) -> None:
    duplicate = (
        GOOD + '\n[[stations]]\nid = "CS-1"\nlocation = "L2"\nevses = [{ ocpp_id = 1, evse_uid = "E" }]\n'
    )

    code, lines = _check(tmp_path, duplicate)

    assert code == 2
    assert lines == [
        "stations[0].id: 'CS-1' is used twice: station ids must be unique",
        "stations[1].id: 'CS-1' is used twice: station ids must be unique",
    ]


def test_a_good_file_and_the_same_strictness_for_every_command(tmp_path: Path) -> None:
    code, lines = _check(tmp_path, GOOD)
    path = tmp_path / "strict.toml"
    path.write_text(GOOD.replace("[[stations]]", "[[station]]"))

    assert code == 0 and lines[0].endswith("OK — node fera (NL*CPO (CPO)), 1 stations")
    try:
        load_config(path)
    except ConfigError as exc:
        assert exc.problems == ["unknown table 'station' (did you mean 'stations'?)"]
    else:
        raise AssertionError("[[station]] was accepted")
    listed = CliRunner().invoke(app, ["partners", "list", "-c", str(path)])
    assert listed.exit_code == 2 and "unknown table 'station'" in listed.output


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])

    assert result.exit_code == 0 and result.output == f"fera {__version__}\n"
