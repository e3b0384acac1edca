"""Tokens module wire models (OCPI 2.2.1 `mod_tokens.asciidoc`).

`ProfileType` belongs to the Sessions module in the spec; it is defined here because a Token
refers to it and Sessions already depends on Tokens (`TokenType`). `fera.ocpi.sessions.models`
re-exports it, so both import paths work without an import cycle.
"""

from __future__ import annotations

from enum import StrEnum

from fera.ocpi.types import (
    CiString2,
    CiString3,
    CiString36,
    DateTime,
    DisplayText,
    OcpiModel,
    StrictBool,
    String2,
    String64,
)

__all__ = [
    "AllowedType",
    "AuthorizationInfo",
    "EnergyContract",
    "LocationReferences",
    "ProfileType",
    "Token",
    "TokenPatch",
    "TokenType",
    "WhitelistType",
    "apply_patch",
]


class TokenType(StrEnum):
    AD_HOC_USER = "AD_HOC_USER"
    APP_USER = "APP_USER"
    OTHER = "OTHER"
    RFID = "RFID"


class WhitelistType(StrEnum):
    """How the CPO may authorize the Token without (or instead of) a real-time request."""

    ALWAYS = "ALWAYS"
    ALLOWED = "ALLOWED"
    ALLOWED_OFFLINE = "ALLOWED_OFFLINE"
    NEVER = "NEVER"


class AllowedType(StrEnum):
    ALLOWED = "ALLOWED"
    BLOCKED = "BLOCKED"
    EXPIRED = "EXPIRED"
    NO_CREDIT = "NO_CREDIT"
    NOT_ALLOWED = "NOT_ALLOWED"


class ProfileType(StrEnum):
    """The driver's charging preference (Sessions module); Tariff types use `PROFILE_*` names instead."""

    CHEAP = "CHEAP"
    FAST = "FAST"
    GREEN = "GREEN"
    REGULAR = "REGULAR"


class EnergyContract(OcpiModel):
    supplier_name: String64
    contract_id: String64 | None = None


class TokenPatch(OcpiModel):
    """PATCH body: every field optional except `last_updated`; `Token` re-declares the required ones."""

    country_code: CiString2 | None = None
    party_id: CiString3 | None = None
    uid: CiString36 | None = None
    type: TokenType | None = None
    contract_id: CiString36 | None = None
    visual_number: String64 | None = None
    issuer: String64 | None = None
    group_id: CiString36 | None = None
    valid: StrictBool | None = None
    whitelist: WhitelistType | None = None
    language: String2 | None = None
    default_profile_type: ProfileType | None = None
    energy_contract: EnergyContract | None = None
    last_updated: DateTime


class Token(TokenPatch):
    """Unique per eMSP by (`uid`, `type`); never deleted, invalidated with `valid=false`."""

    country_code: CiString2
    party_id: CiString3
    uid: CiString36
    type: TokenType
    contract_id: CiString36
    issuer: String64
    valid: StrictBool
    whitelist: WhitelistType


class LocationReferences(OcpiModel):
    """Optional body of a real-time authorization request: where the Token is presented."""

    location_id: CiString36
    evse_uids: list[CiString36] | None = None


class AuthorizationInfo(OcpiModel):
    """Answer to a real-time authorization; non-`ALLOWED` results are still HTTP 200."""

    allowed: AllowedType
    token: Token
    location: LocationReferences | None = None
    authorization_reference: CiString36 | None = None
    info: DisplayText | None = None


def apply_patch(obj: Token, patch: TokenPatch) -> Token:
    """A new Token with the fields the PATCH sent; absent and explicit-null fields stay unchanged."""
    update = {name: value for name in patch.model_fields_set if (value := getattr(patch, name)) is not None}
    return obj.model_copy(update=update)
