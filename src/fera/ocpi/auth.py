"""Who is calling: `Authorization: Token <base64>` (raw tokens tolerated) resolved to a `Caller`."""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Protocol

from fastapi import Request

from fera.ocpi.errors import InvalidParameters, Unauthorized
from fera.ocpi.recording import PARTNER_STATE
from fera.ocpi.types import Role, ci_equal

__all__ = [
    "Authenticator",
    "Caller",
    "Party",
    "TokenKind",
    "TokenResolver",
    "authorization_header",
    "hash_token",
    "new_token",
    "presented_token",
]


class TokenKind(StrEnum):
    A = "A"  # invitation: versions and credentials only
    CALLER = "CALLER"  # token C (or B, seen from the other side): a registered partner


@dataclass(frozen=True)
class Party:
    """A party on a platform: (country_code, party_id, role)."""

    country_code: str
    party_id: str
    role: Role

    def is_(self, country_code: str, party_id: str) -> bool:
        return ci_equal(self.country_code, country_code) and ci_equal(self.party_id, party_id)

    def __str__(self) -> str:
        return f"{self.country_code.upper()}*{self.party_id.upper()} ({self.role.value})"


@dataclass(frozen=True)
class Caller:
    """The authenticated partner platform behind a request, with the roles it registered.

    A hub (role HUB) also acts for the parties behind it: those its ClientInfo named (`behind`) and the
    party its OCPI-from-* headers name on each request (OCPI 2.2.1 routes other parties' objects through it).
    """

    partner_id: str
    token_kind: TokenKind
    roles: tuple[Party, ...] = ()
    from_party: Party | None = None  # from OCPI-from-* on functional modules
    to_party: tuple[str, str] | None = field(default=None)  # (country_code, party_id) from OCPI-to-*
    behind: tuple[Party, ...] = ()  # a hub's: the parties its ClientInfo lists
    foreign: tuple[Party, ...] = ()  # a hub's: parties it never acts for (ours, other partners')

    def owns(self, country_code: str, party_id: str) -> bool:
        """May this caller act for the party (client-owned object URLs, CdrToken owner)?"""
        if any(p.is_(country_code, party_id) for p in self.roles):
            return True
        if not self.is_hub:
            return False
        routed = self.from_party is not None and self.from_party.is_(country_code, party_id)
        return routed or any(p.is_(country_code, party_id) for p in self.behind)

    @property
    def is_hub(self) -> bool:
        return self.has_role(Role.HUB)

    def acting_for(self) -> tuple[Party, ...]:
        """The parties whose view this request gets: the caller's roles; for a hub routing a request, the
        party its OCPI-from-* names, else (its own request) its roles and every party behind it."""
        if not self.is_hub:
            return self.roles
        routed = self.from_party
        if routed is not None and not any(p.is_(routed.country_code, routed.party_id) for p in self.roles):
            return (routed,)
        return (*self.roles, *self.behind)

    def has_role(self, role: Role) -> bool:
        return any(p.role is role for p in self.roles)

    def party(self, role: Role) -> Party | None:
        return next((p for p in self.roles if p.role is role), None)


class TokenResolver(Protocol):
    async def __call__(self, token_hash: str) -> Caller | None: ...


def new_token() -> str:
    """A credentials token: printable non-whitespace ASCII, 43 characters (spec: at most 64).

    Never starting with '-', so an operator can pass it on a command line without it reading as an option.
    """
    while (token := secrets.token_urlsafe(32)).startswith("-"):
        pass
    return token


def hash_token(token: str) -> str:
    """Tokens are random and long, so a plain SHA-256 is a safe at-rest form; stores keep only this."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def authorization_header(token: str, *, base64_encoded: bool = True) -> str:
    if not base64_encoded:
        return f"Token {token}"
    return "Token " + base64.b64encode(token.encode("utf-8")).decode("ascii")


def _candidates(header: str | None) -> list[str]:
    """Base64-decoded form first, then the raw value (interop: many peers send raw tokens)."""
    if not header:
        return []
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "token" or not value:
        return []
    out: list[str] = []
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8").rstrip("\r\n")
        if decoded and decoded.isprintable():
            out.append(decoded)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    out.append(value)
    return out


def presented_token(request: Request) -> str:
    """The token as the caller presented it (decoded when Base64); used to echo it in a Credentials GET."""
    return str(getattr(request.state, "presented_token", ""))


class Authenticator:
    """FastAPI dependencies that turn the Authorization header into a `Caller` or a 401."""

    def __init__(
        self,
        resolve: Callable[[str], Awaitable[Caller | None]],
        on_caller: Callable[[str], None] = lambda _partner_id: None,
    ) -> None:
        """`on_caller` hears the partner id of every caller recognised (partner health: its last contact)."""
        self._resolve, self._on_caller = resolve, on_caller

    async def _caller(self, request: Request) -> Caller:
        for token in _candidates(request.headers.get("authorization")):
            caller = await self._resolve(hash_token(token))
            if caller is not None:
                request.state.presented_token = token
                setattr(request.state, PARTNER_STATE, caller.partner_id)  # for the node's traffic log
                self._on_caller(caller.partner_id)
                return caller
        raise Unauthorized("Missing or unknown credentials token")

    async def identifies(self, request: Request) -> bool:
        """Does the request carry a token we know (any kind)? For answers given before a route's own check."""
        for token in _candidates(request.headers.get("authorization")):
            if await self._resolve(hash_token(token)) is not None:
                return True
        return False

    async def configuration(self, request: Request) -> Caller:
        """Versions and credentials: token A is allowed here."""
        return await self._caller(request)

    async def functional(self, request: Request) -> Caller:
        """Functional modules: registered partners only, with the OCPI-from/to routing headers read."""
        caller = await self._caller(request)
        if caller.token_kind is TokenKind.A:
            raise Unauthorized("Token A is only valid for the versions and credentials modules")
        return _with_routing(caller, request)


def _with_routing(caller: Caller, request: Request) -> Caller:
    h = request.headers
    from_cc, from_pid = h.get("ocpi-from-country-code"), h.get("ocpi-from-party-id")
    from_party = None
    if from_cc and from_pid:
        if any(p.is_(from_cc, from_pid) for p in caller.foreign):  # a hub claiming a party we know otherwise
            raise InvalidParameters(f"OCPI-from {from_cc}*{from_pid} is not a party behind this hub")
        known = (*caller.roles, *caller.behind)
        from_party = next((p for p in known if p.is_(from_cc, from_pid)), None)
        if from_party is None and caller.is_hub:  # a party the hub hasn't announced: routed all the same
            from_party = Party(from_cc, from_pid, Role.OTHER)
        if from_party is None:
            raise InvalidParameters(f"OCPI-from {from_cc}*{from_pid} is not a role of the caller")
    to_cc, to_pid = h.get("ocpi-to-country-code"), h.get("ocpi-to-party-id")
    to_party = (to_cc, to_pid) if to_cc and to_pid else None
    return replace(caller, from_party=from_party, to_party=to_party)
