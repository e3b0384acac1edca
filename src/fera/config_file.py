"""Reading a node's TOML file strictly: every problem is reported at once, each with its key path.

Unknown tables and keys are refused (a misspelt `[[station]]` must not silently mean "no stations"), with the
nearest known name as a hint. Paths read as in the file: `node.public_url`, `stations[0].evses[1].ocpp_id`.
"""

from __future__ import annotations

import difflib
import tomllib
import types
import typing
from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from fera.config import ConfigError, NodeConfig

__all__ = ["ARRAY_TABLES", "load_config"]

ARRAY_TABLES = ("roles", "contracts", "delegations", "sites", "stations", "steering")
TABLES = ("node", *ARRAY_TABLES, "clock")


def load_config(path: str | Path) -> NodeConfig:
    raw = _read(Path(path))
    problems = _unknown_tables(raw)
    merged = raw.get("node", {}) if isinstance(raw.get("node"), dict) else {}
    merged = merged | {k: raw[k] for k in (*ARRAY_TABLES, "clock") if k in raw}
    try:
        config = NodeConfig.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(path, problems + [_problem(e) for e in exc.errors()]) from exc
    problems += _duplicates(config)
    if problems:
        raise ConfigError(path, problems)
    return config


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except FileNotFoundError as exc:
        raise ConfigError(path, ["no such file: give the node's TOML file with --config"]) from exc
    except IsADirectoryError as exc:
        raise ConfigError(
            path, ["is a directory: give the node's TOML file, e.g. --config node.toml"]
        ) from exc
    except OSError as exc:
        raise ConfigError(path, [f"cannot be read: {exc.strerror}"]) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [f"not valid TOML: {exc}"]) from exc


def _unknown_tables(raw: dict[str, Any]) -> list[str]:
    problems = []
    if "node" in raw and not isinstance(raw["node"], dict):
        problems.append("node: must be a table ([node])")
    for key in raw:
        if key in TABLES:
            continue
        if key in NodeConfig.model_fields:
            problems.append(f"{key}: outside any table: put it under [node]")
        else:
            problems.append(f"unknown table '{key}'{_did_you_mean(key, TABLES)}")
    return problems


def _problem(error: ErrorDetails) -> str:
    loc = error["loc"]
    where = _path(loc)
    if error["type"] == "extra_forbidden":
        return f"{where}: unknown key{_did_you_mean(str(loc[-1]), _fields_at(loc[:-1]))}"
    if error["type"] == "missing":
        return f"{where}: required"
    return f"{where}: {error['msg'].removeprefix('Value error, ')}"


def _path(loc: tuple[int | str, ...]) -> str:
    """("stations", 0, "evses", 1, "ocpp_id") -> stations[0].evses[1].ocpp_id; node keys under `node.`."""
    text = "" if loc and loc[0] in TABLES else "node"
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _fields_at(loc: tuple[int | str, ...]) -> tuple[str, ...]:
    """The keys allowed where `loc` points (a model nested in NodeConfig)."""
    model: type[BaseModel] = NodeConfig
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        nested = _model_in(field.annotation) if field is not None else None
        if nested is None:
            return ()
        model = nested
    return tuple(model.model_fields)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    args = typing.get_args(annotation)
    if isinstance(annotation, types.UnionType) or args:
        return next((m for m in map(_model_in, args) if m is not None), None)
    return None


def _did_you_mean(name: str, known: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(known)})" if known else ""


def _duplicates(config: NodeConfig) -> list[str]:
    """Checks across entries, which field types can't express: station ids and their EVSE ids are unique."""
    counts = Counter(s.id for s in config.stations)
    problems = [
        f"stations[{i}].id: '{s.id}' is used twice: station ids must be unique"
        for i, s in enumerate(config.stations)
        if counts[s.id] > 1
    ]
    for i, station in enumerate(config.stations):
        ids = Counter(e.ocpp_id for e in station.evses)
        problems += [
            f"stations[{i}].evses[{j}].ocpp_id: {e.ocpp_id} is used twice"
            for j, e in enumerate(station.evses)
            if ids[e.ocpp_id] > 1
        ]
    return problems
