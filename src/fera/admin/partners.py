"""Partners on a running node: invite and register through its admin API, so the handshake and the
synchronisation that follows happen in the serving process (its planner and caches see everything).

No `from __future__ import annotations` here: FastAPI must resolve the local dependency alias.
"""

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from fera.admin.routes import ADMIN_PATH, admin_guard
from fera.ocpi.envelope import ocpi_response
from fera.ocpi.errors import PeerError, UnableToUseClientApi
from fera.partners import PartnerService

__all__ = ["partners_admin_router"]


class Invite(BaseModel):
    name: Annotated[str, Field(min_length=1, max_length=100)] = "partner"


class Register(BaseModel):
    versions_url: Annotated[str, Field(min_length=1, max_length=255)]
    token_a: Annotated[str, Field(min_length=1, max_length=64)]


def partners_admin_router(admin_token: str | None, partners: PartnerService) -> APIRouter:
    router = APIRouter(prefix=ADMIN_PATH + "/partners")
    Admin = Annotated[None, Depends(admin_guard(admin_token))]  # noqa: N806 - a type alias

    @router.post("/invite")
    async def invite(_: Admin, body: Invite) -> JSONResponse:
        invitation = await partners.invite(body.name)
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
        roles = [str(r.party) for r in partner.roles]
        return ocpi_response({"partner_id": partner.id, "name": partner.name, "roles": roles})

    return router
