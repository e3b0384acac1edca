"""Partners on a running node: invite and register through its admin API, so the handshake and the
synchronisation that follows happen in the serving process (its planner and caches see everything).

An invitation names the parties that may register with it; adding a party to a partner is the operator's
decision (`POST /partners/{id}/parties`), never the partner's own claim (`fera.partners.identity`).

No `from __future__ import annotations` here: FastAPI must resolve the local dependency alias.
"""

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from fera.admin.routes import ADMIN_PATH, admin_guard
from fera.ocpi.auth import Party
from fera.ocpi.envelope import ocpi_response
from fera.ocpi.errors import InvalidParameters, NotFound, PeerError, UnableToUseClientApi
from fera.ocpi.types import HttpUrl, Role
from fera.partners import Partner, PartnerService

__all__ = ["partners_admin_router"]


class AgreedParty(BaseModel):
    country_code: Annotated[str, Field(pattern=r"^[A-Za-z]{2}$")]
    party_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9]{3}$")]
    role: Role

    def party(self) -> Party:
        return Party(self.country_code.upper(), self.party_id.upper(), self.role)


class Invite(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=100)] = "partner"
    # Who may register with the token A; none: the first registration fixes the parties.
    parties: Annotated[list[AgreedParty], Field(max_length=50)] = []


class Register(BaseModel):
    versions_url: HttpUrl
    token_a: Annotated[str, Field(min_length=1, max_length=64)]


def partners_admin_router(admin_token: str | None, partners: PartnerService) -> APIRouter:
    router = APIRouter(prefix=ADMIN_PATH + "/partners")
    Admin = Annotated[None, Depends(admin_guard(admin_token))]  # noqa: N806 - a type alias

    @router.post("/invite")
    async def invite(_: Admin, body: Invite) -> JSONResponse:
        invitation = await partners.invite(body.name, [p.party() for p in body.parties])
        return ocpi_response(
            {
                "partner_id": invitation.partner_id,
                "token_a": invitation.token_a,
                "versions_url": invitation.versions_url,
            }
        )

    @router.post("/register")
    async def register(_: Admin, body: Register) -> JSONResponse:
        try:
            partner = await partners.register_with(body.versions_url, body.token_a)
        except PeerError as exc:
            raise UnableToUseClientApi(str(exc)) from exc
        except LookupError as exc:  # already registered with that platform
            raise InvalidParameters(str(exc)) from exc
        roles = [str(r.party) for r in partner.roles]
        return ocpi_response({"partner_id": partner.id, "name": partner.name, "roles": roles})

    @router.post("/{partner_id}/parties")
    async def add_party(_: Admin, partner_id: str, body: AgreedParty) -> JSONResponse:
        try:
            partner = await partners.add_party(partner_id, body.party())
        except LookupError as exc:
            raise NotFound(str(exc)) from exc
        return ocpi_response(_agreed(partner))

    @router.get("/invitations")
    async def invitations(_: Admin) -> JSONResponse:
        open_ = await partners.invitations()
        return ocpi_response(
            [{"partner_id": p.id, "name": p.name, "created_at": p.created_at.isoformat()} for p in open_]
        )

    @router.delete("/invitations/{token_or_id}")
    async def revoke(_: Admin, token_or_id: str) -> JSONResponse:
        try:
            partner = await partners.revoke(token_or_id)
        except LookupError as exc:
            raise NotFound(str(exc)) from exc
        return ocpi_response({"partner_id": partner.id, "name": partner.name})

    return router


def _agreed(partner: Partner) -> dict[str, object]:
    agreed = [
        {"country_code": a.country_code, "party_id": a.party_id, "role": a.role.value} for a in partner.agreed
    ]
    return {"partner_id": partner.id, "name": partner.name, "parties": agreed}
