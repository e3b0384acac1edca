"""SessionStore on SQLAlchemy."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Text, and_, bindparam, cast, false, or_, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession

from fera.ocpi.envelope import WireJson
from fera.ocpi.pagination import Page
from fera.ocpi.sessions.models import ChargingPreferences, Session
from fera.store.records import StoredSession, Visibility, Window
from fera.store.sqlalchemy._paging import (
    PageStatement,
    WindowShape,
    fetch_page,
    owner_is,
    page_statement,
    window_shape,
)
from fera.store.sqlalchemy._upsert import upsert
from fera.store.sqlalchemy.tables import LocationRow, SessionRow, table_of

__all__ = ["SqlSessionStore", "stored_session"]

_ONGOING = ("ACTIVE", "PENDING")


class SqlSessionStore:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, country_code: str, party_id: str, session_id: str) -> StoredSession | None:
        row = await self._row(country_code, party_id, session_id)
        return None if row is None else stored_session(row)

    async def own(self, session_id: str) -> StoredSession | None:
        query = select(SessionRow).where(SessionRow.partner_id.is_(None), SessionRow.id == session_id.upper())
        row = (await self._session.execute(query.limit(1))).scalar_one_or_none()
        return None if row is None else stored_session(row)

    async def own_many(self, session_ids: Collection[str]) -> dict[str, StoredSession]:
        """Several of ours in one read, by their upper-cased ids (those we hold)."""
        ids = sorted({i.upper() for i in session_ids})
        columns = (SessionRow.id, SessionRow.partner_id, SessionRow.data, SessionRow.preferences)
        query = select(*columns).where(SessionRow.partner_id.is_(None), SessionRow.id.in_(ids))
        # Core columns, not ORM rows: every group of meter readings reads its sessions here. The first of
        # an id, as `own` reads it (ids are unique among our own sessions anyway).
        found: dict[str, StoredSession] = {}
        for row in await self._session.execute(query.order_by(SessionRow.pk)):
            if row.id not in found:
                found[row.id] = stored_session(row)
        return found

    async def rewrite_own(self, sessions: Sequence[Session], held: Mapping[str, datetime]) -> bool:
        """Our own existing sessions' new state (data and last_updated), without reading them first: one
        statement for all (executemany) where the driver counts its rows. A session in `held` (upper id ->
        the last_updated this process last wrote) was not read here: it is written only if its row still has
        that last_updated. False when one was not (someone else wrote it since: roll back and read)."""
        free = [_rewrite(s) for s in sessions if s.id.upper() not in held]
        kept = [_rewrite(s) | {"was": held[s.id.upper()]} for s in sessions if s.id.upper() in held]
        written = 0
        for statement, params in ((_rewrite_statement(False), free), (_rewrite_statement(True), kept)):
            written += await self._execute_many(statement, params)
        return written == len(sessions)

    async def _execute_many(self, statement: Any, params: list[dict[str, Any]]) -> int:
        """The rows the statement changed over all `params`."""
        if not params:
            return 0
        if len(params) == 1 or self._session.get_bind().dialect.supports_sane_multi_rowcount:
            return int((await self._session.execute(statement, params)).rowcount)  # type: ignore[attr-defined]
        changed = 0  # asyncpg counts no rows of an executemany: one statement each
        for one in params:
            changed += (await self._session.execute(statement, one)).rowcount  # type: ignore[attr-defined]
        return changed

    async def received(self, partner_id: str, session_id: str) -> Session | None:
        """A session this partner sent us, by its id (a hub's may be of several CPO parties: the first)."""
        query = select(SessionRow.data).where(
            SessionRow.partner_id == partner_id, SessionRow.id == session_id.upper()
        )
        data = await self._session.scalar(query.order_by(SessionRow.pk).limit(1))
        return None if data is None else Session.from_stored(data)

    async def ongoing_of_token(self, uid: str) -> list[StoredSession]:
        """Received sessions of the token with this uid that are ACTIVE or PENDING, newest first."""
        query = select(SessionRow).where(
            SessionRow.partner_id.is_not(None),
            SessionRow.data["cdr_token"]["uid"].as_string() == uid,
            SessionRow.data["status"].as_string().in_(_ONGOING),
        )
        rows = (await self._session.execute(query.order_by(SessionRow.pk.desc()))).scalars()
        return [stored_session(row) for row in rows]

    async def own_json_at_many(self, session_ids: Iterable[str]) -> dict[str, tuple[str, str | None]]:
        """Our sessions among `session_ids`, each with its location, as stored JSON text, in one query;
        keyed by upper-cased id (the Receiver's group of requests reads them at once)."""
        wanted = sorted({i.upper() for i in session_ids})
        found: dict[str, tuple[str, str | None]] = {}
        for row in await self._session.execute(_own_json_at_many(), {"session_ids": wanted}):
            found.setdefault(row.id, (row.data, row.location))  # the first, as `own` reads it
        return found

    async def put(self, session: Session, partner_id: str | None) -> bool:
        return await self.put_wire(session.to_wire(), partner_id, session.last_updated)

    async def get_wire(
        self, country_code: str, party_id: str, session_id: str
    ) -> tuple[str | None, dict[str, Any]] | None:
        row = (await self._session.execute(_wire_by_key(), _key(country_code, party_id, session_id))).first()
        return None if row is None else (row.partner_id, row.data)

    async def put_wire(self, data: Mapping[str, Any], partner_id: str | None, last_updated: datetime) -> bool:
        """`data`: a Session's wire form (`to_wire`, or `patched_wire` of one)."""
        token = data["cdr_token"]
        values = {
            "partner_id": partner_id,
            "location_id": data["location_id"].upper(),
            "token_country_code": token["country_code"].upper(),
            "token_party_id": token["party_id"].upper(),
            "last_updated": last_updated,
            "data": data,
        }
        keys = _key(data["country_code"], data["party_id"], data["id"])
        return await upsert(self._session, SessionRow, keys, values)

    async def set_preferences(self, session: Session, preferences: ChargingPreferences) -> None:
        row = await self._row(session.country_code, session.party_id, session.id)
        if row is not None:
            row.preferences = preferences.to_wire()
            await self._session.flush()

    async def location_ids(self) -> set[str]:
        rows = await self._session.scalars(select(SessionRow.location_id).distinct())
        return {r.upper() for r in rows}

    async def page(self, partner_id: str | None, visibility: Visibility, window: Window) -> Page:
        rows, total = await self._page_rows(False, partner_id, visibility, window)
        return Page([Session.from_stored(r.data) for r in rows], total)

    async def wire_page(self, partner_id: str | None, visibility: Visibility, window: Window) -> Page:
        rows, total = await self._page_rows(True, partner_id, visibility, window)
        return Page([WireJson(r.data) for r in rows], total)

    async def _page_rows(
        self, wire: bool, partner_id: str | None, visibility: Visibility, window: Window
    ) -> tuple[list[Any], int]:
        seen, params = _seen(visibility)
        statement = _page_statement(wire, partner_id is not None, seen, window_shape(window))
        return await fetch_page(self._session, statement, window, params, partner_id)

    async def _row(self, country_code: str, party_id: str, session_id: str) -> SessionRow | None:
        query = select(SessionRow).where(
            SessionRow.country_code == country_code.upper(),
            SessionRow.party_id == party_id.upper(),
            SessionRow.id == session_id.upper(),
        )
        return (await self._session.execute(query)).scalar_one_or_none()


def _rewrite(session: Session) -> dict[str, Any]:
    s = session
    key = {"k_cc": s.country_code.upper(), "k_party": s.party_id.upper(), "k_id": s.id.upper()}
    return key | {"new_at": s.last_updated, "new_data": s.to_wire()}


@cache
def _rewrite_statement(held: bool) -> Any:
    """UPDATE of an own session's state by its key; `held`: only while it has the last_updated expected."""
    table = table_of(SessionRow)
    row = table.c
    where = [row.country_code == bindparam("k_cc"), row.party_id == bindparam("k_party")]
    where += [row.id == bindparam("k_id"), row.partner_id.is_(None)]
    if held:
        where.append(row.last_updated == bindparam("was"))
    new: dict[str, Any] = {"last_updated": bindparam("new_at"), "data": bindparam("new_data")}
    return update(table).where(*where).values(new)  # Core: an ORM UPDATE of several would go by primary key


def _key(country_code: str, party_id: str, session_id: str) -> dict[str, str]:
    return {"country_code": country_code.upper(), "party_id": party_id.upper(), "id": session_id.upper()}


@cache
def _wire_by_key() -> Any:
    """The row locked until the transaction ends (PostgreSQL; SQLite has no such clause and one process):
    a PATCH in another process waits, then reads what this one wrote."""
    where = (
        SessionRow.country_code == bindparam("country_code"),
        SessionRow.party_id == bindparam("party_id"),
        SessionRow.id == bindparam("id"),
    )
    return select(SessionRow.partner_id, SessionRow.data).where(*where).with_for_update()


def stored_session(row: Any) -> StoredSession:  # an ORM row or a Core one: the same attributes
    preferences = None if row.preferences is None else ChargingPreferences.model_validate(row.preferences)
    return StoredSession(Session.from_stored(row.data), row.partner_id, preferences)


# A caller's visibility as a statement's shape: everything, or its token parties (how many) and whether
# it sees some locations; the parties and ids themselves are the statement's parameters.
Seen = tuple[bool, int, bool]


def _seen(visibility: Visibility) -> tuple[Seen, dict[str, Any]]:
    parties = sorted(visibility.token_parties)
    params: dict[str, Any] = {"location_ids": sorted(visibility.location_ids)}
    for n, (country_code, party_id) in enumerate(parties):
        params[f"token_cc_{n}"], params[f"token_pid_{n}"] = country_code, party_id
    return (visibility.all_locations, len(parties), bool(visibility.location_ids)), params


@cache
def _page_statement(wire: bool, partner: bool, seen: Seen, shape: WindowShape) -> PageStatement:
    """`wire`: the JSON as stored text, put in a response as is."""
    data = cast(SessionRow.data, Text).label("data") if wire else SessionRow.data
    query = select(data).where(owner_is(SessionRow.partner_id, partner), _visible(*seen))
    return page_statement(query, SessionRow.pk, SessionRow.last_updated, shape)


def _visible(everything: bool, parties: int, locations: bool) -> ColumnElement[bool]:
    """Sessions of the caller's tokens, or at locations the caller may see."""
    if everything:
        return true()
    terms: list[ColumnElement[bool]] = [
        and_(
            SessionRow.token_country_code == bindparam(f"token_cc_{n}"),
            SessionRow.token_party_id == bindparam(f"token_pid_{n}"),
        )
        for n in range(parties)
    ]
    if locations:
        terms.append(SessionRow.location_id.in_(bindparam("location_ids", expanding=True)))
    return or_(*terms) if terms else false()


@cache
def _own_json_at_many() -> Any:
    """Built once: a busy Receiver reads a group of sessions per transaction. Core columns, not ORM ones
    (an ORM attribute anywhere in a statement sends it through the ORM's compile and result layers); the
    documents as text (no JSON decoding of what the caller may have parsed already)."""
    sessions, locations = table_of(SessionRow).c, table_of(LocationRow).c
    at_ours = and_(locations.partner_id.is_(None), locations.id == sessions.location_id)
    return (
        select(
            sessions.id,
            cast(sessions.data, Text).label("data"),
            cast(locations.data, Text).label("location"),
        )
        .select_from(table_of(SessionRow).outerjoin(table_of(LocationRow), at_ours))
        .where(sessions.partner_id.is_(None), sessions.id.in_(bindparam("session_ids", expanding=True)))
        .order_by(sessions.pk)
    )
