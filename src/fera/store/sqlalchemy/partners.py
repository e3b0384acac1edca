"""PartnerStore on SQLAlchemy."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from fera.ocpi.auth import Party
from fera.ocpi.types import Role
from fera.partners.model import Partner, PartnerEndpoint, PartnerRole
from fera.store.sqlalchemy._times import utc
from fera.store.sqlalchemy.tables import PartnerRow

__all__ = ["SqlPartnerStore"]


class SqlPartnerStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, partner: Partner) -> None:
        self._session.add(_to_row(partner, PartnerRow()))
        await self._session.flush()

    async def save(self, partner: Partner) -> None:
        row = await self._session.get(PartnerRow, partner.id)
        if row is None:
            await self.add(partner)
            return
        _to_row(partner, row)
        await self._session.flush()

    async def get(self, partner_id: str) -> Partner | None:
        row = await self._session.get(PartnerRow, partner_id)
        return None if row is None else _from_row(row)

    async def by_token_hash(self, token_hash: str) -> Partner | None:
        query = select(PartnerRow).where(
            or_(
                PartnerRow.inbound_token_hash == token_hash,
                PartnerRow.token_a_hash == token_hash,
                PartnerRow.previous_token_hash == token_hash,
            )
        )
        row = (await self._session.execute(query)).scalar_one_or_none()
        return None if row is None else _from_row(row)

    async def list(self) -> list[Partner]:
        rows = (await self._session.execute(select(PartnerRow).order_by(PartnerRow.created_at))).scalars()
        return [_from_row(r) for r in rows]

    async def delete(self, partner_id: str) -> None:
        await self._session.execute(delete(PartnerRow).where(PartnerRow.id == partner_id))

    async def record_contact(self, outbound_token: str, at: datetime, error: str | None) -> None:
        """A call with this token succeeded (`error` None) or failed; the last error stays, with its time."""
        values: dict[str, object] = (
            {"last_contact_at": at} if error is None else {"last_error": error[:300], "last_error_at": at}
        )
        query = update(PartnerRow).where(PartnerRow.outbound_token == outbound_token).values(**values)
        await self._session.execute(query)

    async def record_inbound(self, partner_id: str, at: datetime) -> None:
        """The partner called us (an authenticated request)."""
        query = update(PartnerRow).where(PartnerRow.id == partner_id).values(last_inbound_at=at)
        await self._session.execute(query)


def _to_row(p: Partner, row: PartnerRow) -> PartnerRow:
    row.id, row.name, row.created_at = p.id, p.name, p.created_at
    row.roles = [
        {
            "role": r.role.value,
            "country_code": r.country_code,
            "party_id": r.party_id,
            "name": r.name,
            "website": r.website,
        }
        for r in p.roles
    ]
    row.endpoints = [{"module": e.module, "role": e.interface_role, "url": e.url} for e in p.endpoints]
    row.versions_url, row.version = p.versions_url, p.version
    row.outbound_token, row.inbound_token_hash = p.outbound_token, p.inbound_token_hash
    row.token_a_hash, row.base64_tokens = p.token_a_hash, p.base64_tokens
    row.agreed_parties = [
        {"role": a.role.value, "country_code": a.country_code, "party_id": a.party_id} for a in p.agreed
    ]
    row.previous_token_hash, row.previous_token_until = p.previous_token_hash, p.previous_token_until
    return row


def _from_row(row: PartnerRow) -> Partner:
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC)
    return Partner(
        id=row.id,
        name=row.name,
        created_at=created,
        roles=[
            PartnerRole(Role(r["role"]), r["country_code"], r["party_id"], r["name"], r.get("website"))
            for r in row.roles
        ],
        endpoints=[PartnerEndpoint(e["module"], e["role"], e["url"]) for e in row.endpoints],
        versions_url=row.versions_url,
        version=row.version,
        outbound_token=row.outbound_token,
        inbound_token_hash=row.inbound_token_hash,
        token_a_hash=row.token_a_hash,
        base64_tokens=row.base64_tokens,
        agreed=[Party(a["country_code"], a["party_id"], Role(a["role"])) for a in row.agreed_parties or []],
        previous_token_hash=row.previous_token_hash,
        previous_token_until=utc(row.previous_token_until),
        last_contact_at=utc(row.last_contact_at),
        last_error=row.last_error,
        last_error_at=utc(row.last_error_at),
        last_inbound_at=utc(row.last_inbound_at),
    )
