"""Credentials module wire objects (`credentials.asciidoc`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from fera.ocpi.locations.models import BusinessDetails
from fera.ocpi.types import CiString2, CiString3, HttpUrl, OcpiModel, Role

__all__ = ["Credentials", "CredentialsRole"]


class CredentialsRole(OcpiModel):
    role: Role
    business_details: BusinessDetails
    party_id: CiString3
    country_code: CiString2


class Credentials(OcpiModel):
    # Raw token (not Base64): printable non-whitespace ASCII, at most 64 characters (d2).
    token: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[\x21-\x7E]+$")]
    url: HttpUrl  # the versions URL we will call: an absolute http(s) URL that parses
    roles: Annotated[list[CredentialsRole], Field(min_length=1)]
