"""The CPO's Locations: the Sender interface and the domain API (`put_location`, `set_evse_status`, the
operator's `import_location`/`patch_location`/`remove_location`, and what stations report: `add_evse`,
`add_connector`).

Each change is committed, published as `LocationChanged` and pushed to the eMSPs and to SCSPs whose contract
covers the location: the whole location with PUT, a change with a PATCH (or a PUT of the new EVSE); the
pusher falls back to the whole location when the partner refuses the smaller message.
A location with `publish` false goes only to the partners `published_to` lets see it (lists, GETs, pushes).
"""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime

from fera.cpo._recipients import location_recipients
from fera.cpo.provisioning import existing, merge_import, patched, removed
from fera.cpo.visibility import location_visibility, published_to
from fera.exchange import Exchange
from fera.exchange._objects import find_connector, find_evse, with_connector, with_evse
from fera.exchange.locations import navigate
from fera.exchange.outbox import Outgoing
from fera.keyed_locks import KeyedLocks
from fera.ocpi.auth import Caller, Party
from fera.ocpi.errors import NotFound
from fera.ocpi.locations.client import (
    patch_evse_request,
    patch_request,
    put_evse_request,
    put_request,
)
from fera.ocpi.locations.models import EVSE, Connector, EvsePatch, Location, LocationPatch, Status
from fera.ocpi.locations.service import LocationRef
from fera.ocpi.pagination import Page, PageQuery
from fera.ocpi.peer import PeerRequest
from fera.ocpi.types import Role
from fera.partners import Partner
from fera.partners.reach import broadcast_audience
from fera.sessions_events import LocationChanged
from fera.store import UnitOfWork
from fera.store.records import Visibility, Window

__all__ = ["Change", "CpoLocations", "Pushes"]

# How a change reaches a partner besides the whole location (a PATCH, or a PUT of one EVSE), given the
# partner's Locations URL; None: PUT.
Change = Callable[[str], PeerRequest] | None
Changed = tuple[Location, Change] | None
Pushes = list[asyncio.Task[None]] | None  # collects the push tasks of a change

# Who receives a CPO's Locations, for a broadcast through a hub (spec: eMSPs, NSPs, OTHER; FERA's SCSPs too).
LOCATIONS_RECEIVERS = (Role.EMSP, Role.NSP, Role.OTHER, Role.SCSP)


class CpoLocations:
    """Implements `LocationsSender` for the CPO role."""

    def __init__(self, exchange: Exchange) -> None:
        self._ex = exchange
        self._locks: KeyedLocks[str] = KeyedLocks()

    async def list(self, caller: Caller, query: PageQuery) -> Page:
        window = Window(query.offset, query.limit, query.date_from, query.date_to)
        visibility = location_visibility(caller.acting_for(), self._ex.config.contracts)
        async with self._ex.store.reading() as uow:  # one pooled connection for the page, nothing to commit
            page = await uow.locations.public_wire_page(visibility, window)  # the usual case: one statement
            if page is not None:
                return page
            visibility = await self._less_unpublished(uow, caller.partner_id, visibility)
            return await uow.locations.wire_page(None, visibility, window)

    async def get(self, caller: Caller, ref: LocationRef) -> Location | EVSE | Connector:
        location = await self.location(ref.location_id)
        visible = (await self._visibility(caller.partner_id, caller.acting_for())).sees_location(
            ref.location_id
        )
        if location is None or not visible:
            raise NotFound("Unknown location")
        return navigate(location, ref)

    async def location(self, location_id: str) -> Location | None:
        async with self._ex.store.unit_of_work() as uow:
            return await uow.locations.own(location_id)

    async def own_locations(self) -> Sequence[Location]:
        async with self._ex.store.unit_of_work() as uow:
            page = await uow.locations.page(None, Visibility(all_locations=True), Window(0, 100_000))
        return page.items

    # -- domain API -------------------------------------------------------------------------------------
    async def put_location(self, location: Location) -> Location:
        """Create or replace one of our locations (the caller sets `last_updated`s); pushed whole."""
        return await self._change(location.id, lambda _stored: (location, None))

    async def set_evse_status(
        self,
        location_id: str,
        evse_uid: str,
        status: Status,
        at: datetime | None = None,
        pushes: Pushes = None,
    ) -> Location:
        """An EVSE's new status (REMOVED is how OCPI deletes one); pushed as a PATCH of that EVSE."""
        at = at or self._ex.now()

        def change(stored: Location | None) -> tuple[Location, Change]:
            location = existing(stored, location_id)
            evse = find_evse(location, evse_uid)
            if evse is None:
                raise NotFound(f"Unknown EVSE {location_id}/{evse_uid}")
            patch = EvsePatch(status=status, last_updated=at)
            updated = with_evse(location, evse.model_copy(update={"status": status, "last_updated": at}))
            return updated, lambda url: patch_evse_request(url, updated, evse.uid, patch)

        return await self._change(location_id, change, pushes)

    async def import_location(self, location: Location, pushes: Pushes = None) -> Location:
        """Create or update from a provisioning file or the admin API (see `merge_import`); pushed whole.

        The pushes' tasks are added to `pushes`, for a caller that waits until partners have it."""
        return await self._change(location.id, lambda stored: (merge_import(stored, location), None), pushes)

    async def patch_location(self, location_id: str, patch: LocationPatch, pushes: Pushes = None) -> Location:
        """Change some fields (EVSEs it names are added or replaced by uid); pushed as a PATCH."""

        def change(stored: Location | None) -> tuple[Location, Change]:
            updated, sent = patched(existing(stored, location_id), patch)
            return updated, lambda url: patch_request(url, updated, sent)

        return await self._change(location_id, change, pushes)

    async def remove_location(
        self, location_id: str, at: datetime | None = None, pushes: Pushes = None
    ) -> Location:
        """OCPI never deletes a location: every EVSE becomes REMOVED (the location expires); pushed whole."""
        when = at or self._ex.now()
        return await self._change(
            location_id, lambda stored: (removed(existing(stored, location_id), when), None), pushes
        )

    async def add_evse(self, location_id: str, evse: EVSE) -> Location:
        """Add an EVSE a station reported (nothing if the location has it already); pushed as a PUT of it."""

        def change(stored: Location | None) -> Changed:
            location = existing(stored, location_id)
            if find_evse(location, evse.uid) is not None:
                return None
            updated = with_evse(location, evse)
            return updated, lambda url: put_evse_request(url, updated, evse)

        return await self._change(location_id, change)

    async def add_connector(self, location_id: str, evse_uid: str, connector: Connector) -> Location:
        """Add a connector a station reported (nothing if the EVSE has it); pushed as a PUT of its EVSE."""

        def change(stored: Location | None) -> Changed:
            location = existing(stored, location_id)
            evse = find_evse(location, evse_uid)
            if evse is None:
                raise NotFound(f"Unknown EVSE {location_id}/{evse_uid}")
            if find_connector(evse, connector.id) is not None:
                return None
            updated = with_connector(location, evse, connector)
            grown = find_evse(updated, evse_uid)
            assert grown is not None
            return updated, lambda url: put_evse_request(url, updated, grown)

        return await self._change(location_id, change)

    async def _change(
        self, location_id: str, change: Callable[[Location | None], Changed], pushes: Pushes = None
    ) -> Location:
        """Apply `change` to the stored location (one writer per location), commit, push, publish.

        `change` returns the new location and how to push it (None: the whole location with PUT), or None
        when nothing changed. One writer per location: an EVSE change rewrites the whole location, so two
        stations reporting at once would otherwise lose one of the changes.
        """
        # Before the unit of work: a refill of the partners held in memory is a read of its own, and one
        # nested in a writing unit of work waits for a connection the waiting writers may all hold.
        partners = await self._ex.partners.known()
        audience = await broadcast_audience(self._ex.store, partners, LOCATIONS_RECEIVERS)
        async with self._locks[location_id.upper()], self._ex.store.unit_of_work() as uow:
            stored = await uow.locations.own(location_id)
            changed = change(stored)
            if changed is None:
                assert stored is not None, "a change of nothing changes something"
                return stored
            updated, how = changed
            await uow.locations.put(updated, None)
            outgoing = self._outgoing(updated, how, await self._audience(uow, updated, audience))
            await self._ex.outbox.stage(uow, outgoing)
        tasks = self._ex.outbox.send(outgoing, wait=pushes is not None)
        if pushes is not None:
            pushes.extend(tasks)
        await self._ex.events.publish(LocationChanged(updated, None))
        return updated

    async def announce(self, partner: Partner) -> None:
        """PUT every location the partner may see (after a registration)."""
        visibility = await self._visibility(partner.id, partner.parties())
        if not await broadcast_audience(self._ex.store, [partner], LOCATIONS_RECEIVERS):
            return
        async with self._ex.store.unit_of_work() as uow:
            page = await uow.locations.page(None, visibility, Window(0, 10_000))
            outgoing = [o for location in page.items for o in self._outgoing(location, None, [partner])]
            await self._ex.outbox.stage(uow, outgoing)
        self._ex.outbox.send(outgoing)

    async def _visibility(self, partner_id: str, parties: Iterable[Party]) -> Visibility:
        visibility = location_visibility(parties, self._ex.config.contracts)
        async with self._ex.store.reading() as uow:
            return await self._less_unpublished(uow, partner_id, visibility)

    async def _less_unpublished(self, uow: UnitOfWork, partner_id: str, visibility: Visibility) -> Visibility:
        """What the partner's parties see (`visibility`), less our unpublished locations none of its tokens
        may see (a contract naming a location still shows it to that SCSP)."""
        unpublished = await uow.locations.unpublished()
        named = any(loc.publish_allowed_to for loc in unpublished)
        tokens = (await uow.tokens.page(partner_id, Window(0, 1_000_000))).items if named else []
        hidden = {loc.id.upper() for loc in unpublished if not published_to(loc, tokens)}
        return replace(visibility, hidden_location_ids=frozenset(hidden - visibility.location_ids))

    async def _audience(
        self, uow: UnitOfWork, location: Location, partners: Sequence[Partner]
    ) -> Sequence[Partner]:
        """The partners an unpublished location may reach (all of them for a published one)."""
        if location.publish:
            return partners
        contracts = self._ex.config.contracts
        return [
            p
            for p in partners
            if (
                await self._less_unpublished(uow, p.id, location_visibility(p.parties(), contracts))
            ).sees_location(location.id)
        ]

    def _outgoing(
        self, location: Location, how: Change, partners: Sequence[Partner]
    ) -> builtins.list[Outgoing]:
        out = []
        for r in location_recipients(self._ex, partners, location):
            assert r.target.to_party is not None, "a push is addressed to one party"
            out.append(
                self._ex.outbox.outgoing(
                    r.target,
                    r.partner_id,
                    r.target.to_party,
                    Role.CPO.value,
                    ("locations", location.country_code, location.party_id, location.id),
                    put_request(r.url, location),
                    None if how is None else how(r.url),
                )
            )
        return out
