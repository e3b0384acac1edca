"""Hostile HTTP for every OCPI endpoint of a node, as a black-box probe sends it.

`hostile_requests(app, token, token_a)` walks the app's OCPI paths (its OpenAPI) and yields, for each,
requests with wrong methods, bad or missing credentials, bad routing headers, hostile path segments and
queries (over-long, unicode, percent-encoded junk, pagination extremes, impossible dates), unparseable
bodies, and a valid body with one field at a time replaced by a hostile value (wrong type, huge, NaN,
unicode, empty) or left out. `problems(request, response)` says what is wrong with an answer: a 5xx, a body
that is not an OCPI envelope, or an HTTP status that disagrees with the OCPI status code.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import FastAPI

from tests.wire.ocpi.samples import body_for

__all__ = ["Hostile", "hostile_requests", "problems"]

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
NOW = "2030-01-01T07:00:00Z"
# Path segments: over-long (CiString(36) ids), unicode, percent-encoded NUL and non-UTF-8, dots, spaces.
SEGMENTS = ("x" * 37, "y" * 4000, "ß☃𝄞", "%00", "%FF%FE", "..", "a%20b", "%2F")
QUERIES = (
    "offset=-1",
    "offset=9223372036854775808",
    "offset=" + "9" * 40,
    "offset=abc",
    "limit=0",
    "limit=-5",
    "limit=" + "9" * 40,
    "offset=1&offset=2",
    "date_from=yesterday",
    "date_from=0001-01-01T00:00:00%2B14:00",
    "date_from=9999-12-31T23:59:59-14:00",
    "date_from=2030-01-02T00:00:00Z&date_to=2030-01-01T00:00:00Z",
    "date_from=1e309",
    "date_from=%FF",
    "duration=" + "9" * 30,
    "duration=-1",
    "response_url=http://[::1",
)
VALUES: tuple[Any, ...] = (
    None,
    "",
    "x" * 5000,
    -1,
    2**64,
    1e308,
    True,
    [],
    {},
    "ß☃𝄞\u0000",
    "2030-13-45T99:99:99Z",
)
RAW_BODIES = (
    b"",
    b"null",
    b"[]",
    b'"x"',
    b"1e999",
    b"{",
    b"\xff\xfe\x00",
    b"[" * 50_000 + b"]" * 50_000,
    b'{"a": NaN, "b": Infinity}',
    b'{"last_updated": "' + b"9" * 5000 + b'"}',
)


@dataclass(frozen=True)
class Hostile:
    kind: str  # what is hostile: method, auth, routing, segment, query, raw, field
    method: str
    url: str
    headers: Mapping[str, str | bytes] = field(default_factory=dict)
    content: bytes | None = None

    def raw_headers(self) -> list[tuple[bytes, bytes]]:
        return [(k.encode(), v if isinstance(v, bytes) else v.encode()) for k, v in self.headers.items()]

    def __str__(self) -> str:
        return f"[{self.kind}] {self.method} {self.url[:160]} {self.headers} {(self.content or b'')[:120]!r}"


def hostile_requests(app: FastAPI, token: str, token_a: str) -> Iterator[Hostile]:
    auth = {"Authorization": "Token " + base64.b64encode(token.encode()).decode()}
    for path, methods in _ocpi_routes(app).items():
        url = _url(path)
        yield from _wrong_methods(url, methods, auth)
        for method in methods:
            body = sample_body(path, method)
            yield from _bad_auth(path, url, method, token_a)
            yield from _bad_routing(url, method, auth, body)
            yield from _segments(path, method, auth, body)
            if method == "GET":
                yield from (Hostile("query", method, f"{url}?{q}", auth) for q in QUERIES)
            if method in ("POST", "PUT", "PATCH"):
                yield from _bodies(url, method, auth, body)
        if path.endswith("/credentials"):  # the handshake itself, with an open invitation's token A
            yield from _bodies(url, "POST", {"Authorization": "Token " + token_a}, sample_body(path, "POST"))


def _ocpi_routes(app: FastAPI) -> dict[str, list[str]]:
    """OCPI path -> the methods it serves, as the node's own OpenAPI document lists them."""
    paths = app.openapi()["paths"]
    return {path: sorted(m.upper() for m in ops) for path, ops in paths.items() if path.startswith("/ocpi")}


def _url(path: str, **override: str) -> str:
    values = {"country_code": "NL", "party_id": _party(path), "session_id": "S1", "location_id": "LOC1"}
    values |= {"evse_uid": "LOC1-E1", "connector_id": "1", "token_uid": "TOK1", "request_id": "R1"}
    values |= override
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values.get(m.group(1), "X"), path)


def _party(path: str) -> str:
    """The partner's own party for client-owned URLs (its CPO on Receivers of CPO data, else its eMSP)."""
    return "MSP" if "/tokens/" in path else "CPX"


def _wrong_methods(url: str, methods: list[str], auth: dict[str, str]) -> Iterator[Hostile]:
    for method in METHODS:
        if method not in methods:
            yield Hostile("method", method, url, auth | _json(), b"{}")


def _bad_auth(path: str, url: str, method: str, token_a: str) -> Iterator[Hostile]:
    for header in ("", "Token", "Token %%%", "Bearer abc", "Token " + "A" * 10_000, "Token bm9wZQ=="):
        yield Hostile("auth", method, url, {"Authorization": header} if header else {})
    yield Hostile("auth", method, url, {"Authorization": "Token é\u00ff".encode("latin-1")})
    if method in ("POST", "PUT", "PATCH"):  # a stranger's unparseable body: still 401 first
        for raw in (b"{not json", b"[" * 50_000 + b"]" * 50_000, b'{"a": "\xff"}'):
            yield Hostile("auth", method, url, {"Authorization": "Token bm9wZQ=="} | _json(), raw)
    if "/credentials" not in path and path != "/ocpi/versions" and path != "/ocpi/2.2.1":
        yield Hostile("auth", method, url, {"Authorization": "Token " + token_a})  # token A: 401 here


def _bad_routing(url: str, method: str, auth: dict[str, str], body: bytes | None) -> Iterator[Hostile]:
    routing: tuple[dict[str, str | bytes], ...] = (
        {"OCPI-from-country-code": "DE", "OCPI-from-party-id": "ZZZ"},  # not the caller
        {"OCPI-from-country-code": "NL"},  # half of it
        {"OCPI-to-country-code": "DE", "OCPI-to-party-id": "ZZZ"},  # not us
        {"OCPI-from-country-code": "NLX" * 100, "OCPI-from-party-id": "ß".encode()},
        {"X-Request-ID": "r" * 10_000, "X-Correlation-ID": "ß☃".encode()},
        {"Content-Type": "text/plain"},
    )
    for headers in routing:
        yield Hostile("routing", method, url, {**auth, **_json(), **headers}, body)


def _segments(path: str, method: str, auth: dict[str, str], body: bytes | None) -> Iterator[Hostile]:
    for name in re.findall(r"\{(\w+)\}", path):
        for value in SEGMENTS:
            yield Hostile("segment", method, _url(path, **{name: value}), auth | _json(), body)


def _bodies(url: str, method: str, auth: dict[str, str], body: bytes | None) -> Iterator[Hostile]:
    for raw in RAW_BODIES:
        yield Hostile("raw", method, url, auth | _json(), raw)
    valid = httpx.Response(200, content=body or b"{}").json()
    if not isinstance(valid, dict):
        return
    for key in [*valid, "extra_field"]:
        for value in VALUES:
            yield Hostile("field", method, url, auth | _json(), _dumps(valid | {key: value}))
        if key in valid:
            yield Hostile(
                "field", method, url, auth | _json(), _dumps({k: v for k, v in valid.items() if k != key})
            )


def _json() -> dict[str, str]:
    return {"Content-Type": "application/json"}


def _dumps(value: Any) -> bytes:
    return httpx.Request("POST", "http://x", json=value).content


def sample_body(path: str, method: str) -> bytes | None:
    """A valid body for the route, so that one hostile field at a time is what gets refused."""
    if method not in ("POST", "PUT", "PATCH"):
        return None
    return _dumps(body_for(path, method))


def problems(request: Hostile, response: httpx.Response) -> list[str]:
    """What is wrong with the answer to a hostile request (empty: nothing)."""
    found = []
    status = response.status_code
    if status >= 500:
        found.append(f"HTTP {status}")
    try:
        envelope = response.json()
    except ValueError:
        return [*found, f"not JSON: {response.text[:200]!r}"]
    code = envelope.get("status_code") if isinstance(envelope, dict) else None
    if not isinstance(code, int) or "timestamp" not in envelope:
        return [*found, f"not an OCPI envelope: {response.text[:200]!r}"]
    expected = {401: (2000,), 400: (2001,), 404: (2000, 2001, 2003, 2004), 405: (2000,), 413: (2000,)}
    if status in expected and code not in expected[status]:
        found.append(f"HTTP {status} with OCPI {code}")
    if 200 <= status < 300 and not (1000 <= code < 1100 or 2000 <= code < 2100 or 3000 <= code < 3100):
        found.append(f"HTTP {status} with OCPI {code}")
    want = {"auth": 401, "method": 405}.get(request.kind)
    if want is not None and status != want:
        found.append(f"HTTP {status}, expected {want}")
    if request.kind == "auth" and response.headers.get("www-authenticate") != "Token":
        found.append("401 without WWW-Authenticate: Token")
    return found
