"""Provisioning files: OCPI Location JSON (one object or a list), OCPI Token JSON or CSV (a header row).

Hand-written files may leave out what the node knows: `country_code`/`party_id` (ours), `last_updated` (now,
at every level), a Location's `publish` (true), an EVSE's `status` (UNKNOWN until its station reports), a
Token's `type` (RFID), `issuer` (our role's name), `valid` (true) and `whitelist` (ALLOWED). Anything else
is validated as OCPI says; the first error names the object and the field, on one line.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from fera.ocpi.auth import Party
from fera.ocpi.errors import InvalidParameters
from fera.ocpi.locations.models import Location, LocationPatch
from fera.ocpi.tokens.models import Token, TokenPatch
from fera.ocpi.types import format_datetime

__all__ = [
    "InvalidImport",
    "checked",
    "parse_location_patch",
    "parse_locations",
    "parse_token_patch",
    "parse_tokens",
]

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
_Complete = Callable[[dict[str, Any]], dict[str, Any]]


class InvalidImport(ValueError):
    """A provisioning file that can't be imported; the message names the object and the field."""


def checked(parse: Callable[[], T]) -> T:
    """For the admin API: an invalid file is OCPI 2001 naming the object and field."""
    try:
        return parse()
    except InvalidImport as exc:
        raise InvalidParameters(f"Invalid or missing parameters: {exc}") from exc


def _complete_evses(raw: dict[str, Any], at: str) -> None:
    """What a hand-written file may leave out of its EVSEs and connectors: `last_updated` (now), status."""
    for evse in _dicts(raw.get("evses")):
        evse.setdefault("last_updated", at)
        evse.setdefault("status", "UNKNOWN")
        for connector in _dicts(evse.get("connectors")):
            connector.setdefault("last_updated", at)


def parse_locations(body: bytes, party: Party, now: datetime) -> list[Location]:
    at = format_datetime(now)

    def complete(raw: dict[str, Any]) -> dict[str, Any]:
        _own(raw, party, at)
        raw.setdefault("publish", True)
        _complete_evses(raw, at)
        return raw

    return [_validate(Location, complete, raw, f"location {n}", "id") for n, raw in _objects(body)]


def parse_tokens(body: bytes, is_csv: bool, party: Party, issuer: str, now: datetime) -> list[Token]:
    at = format_datetime(now)

    def complete(raw: dict[str, Any]) -> dict[str, Any]:
        _own(raw, party, at)
        defaults = {"type": "RFID", "issuer": issuer, "valid": True, "whitelist": "ALLOWED"}
        return defaults | raw

    rows = _csv_rows(body) if is_csv else _objects(body)
    label = "line" if is_csv else "token"
    return [_validate(Token, complete, raw, f"{label} {n}", "uid") for n, raw in rows]


def _own(raw: dict[str, Any], party: Party, at: str) -> None:
    """Fill in our party; refuse another one (it would be pushed to partners as ours)."""
    raw.setdefault("country_code", party.country_code)
    raw.setdefault("party_id", party.party_id)
    raw.setdefault("last_updated", at)
    code, party_id = raw["country_code"], raw["party_id"]
    if not (isinstance(code, str) and isinstance(party_id, str) and party.is_(code, party_id)):
        raise InvalidImport(f"country_code/party_id: {code}*{party_id} is not this node's party {party}")


def _objects(body: bytes) -> list[tuple[int, dict[str, Any]]]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidImport(f"not valid JSON: {exc}") from exc
    items = data if isinstance(data, list) else [data]
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise InvalidImport(f"object {n}: a JSON object was expected, not {type(item).__name__}")
    return list(enumerate(items, start=1))


def _csv_rows(body: bytes) -> list[tuple[int, dict[str, Any]]]:
    try:
        reader = csv.DictReader(io.StringIO(body.decode("utf-8-sig")))
        rows = [(n, _row(row)) for n, row in enumerate(reader, start=2)]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InvalidImport(f"not a valid CSV file: {exc}") from exc
    if not reader.fieldnames or "uid" not in [f.strip() for f in reader.fieldnames]:
        raise InvalidImport("the CSV needs a header row naming at least uid and contract_id")
    return rows


def _row(row: dict[str | None, str | None]) -> dict[str, Any]:
    """Empty cells are absent; `valid` reads true/false, yes/no or 1/0; enum cells any case (rfid = RFID)."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key is None or value is None or not value.strip():
            continue
        out[key.strip()] = value.strip()
    if "valid" in out:
        out["valid"] = _boolean(out["valid"])
    for enum in ("type", "whitelist", "default_profile_type"):
        if enum in out:
            out[enum] = out[enum].upper()
    return out


def _boolean(text: str) -> bool | str:
    lowered = text.lower()
    return True if lowered in ("true", "yes", "1") else False if lowered in ("false", "no", "0") else text


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _validate(model: type[M], complete: _Complete, raw: dict[str, Any], where: str, key: str) -> M:
    named = f"{where} ({key} {raw[key]})" if isinstance(raw.get(key), str) else where
    try:
        return model.model_validate(complete(raw))
    except InvalidImport as exc:
        raise InvalidImport(f"{named}: {exc}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "body"
        raise InvalidImport(f"{named}: {field}: {first['msg']}") from exc


def parse_location_patch(body: bytes, now: datetime) -> LocationPatch:
    """A PATCH of a location: `last_updated` (everywhere) defaults to now, EVSEs named in it to UNKNOWN."""
    at = format_datetime(now)

    def complete(raw: dict[str, Any]) -> dict[str, Any]:
        raw.setdefault("last_updated", at)
        _complete_evses(raw, at)
        return raw

    return _validate(LocationPatch, complete, _one(body), "location patch", "id")


def parse_token_patch(body: bytes, now: datetime) -> TokenPatch:
    at = format_datetime(now)

    def complete(raw: dict[str, Any]) -> dict[str, Any]:
        raw.setdefault("last_updated", at)
        return raw

    return _validate(TokenPatch, complete, _one(body), "token patch", "uid")


def _one(body: bytes) -> dict[str, Any]:
    objects = _objects(body)
    if len(objects) != 1:
        raise InvalidImport(f"one JSON object was expected, not a list of {len(objects)}")
    return objects[0][1]
