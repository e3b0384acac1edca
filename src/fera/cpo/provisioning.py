"""How the operator's changes apply to a stored location (pure: location in, location out).

An import never loses what stations taught us: EVSEs the file leaves out are kept (OCPI never deletes one:
`remove_location` or an EVSE's status REMOVED does), and an EVSE the file gives no status (UNKNOWN) keeps
the status its station last reported.
"""

from __future__ import annotations

from datetime import datetime

from fera.exchange._objects import find_evse, with_evse
from fera.ocpi.errors import InvalidParameters, NotFound
from fera.ocpi.locations.models import Location, LocationPatch, Status, apply_patch

__all__ = ["existing", "merge_import", "patched", "removed"]


def existing(stored: Location | None, location_id: str) -> Location:
    if stored is None:
        raise NotFound(f"Unknown location {location_id}")
    return stored


def merge_import(stored: Location | None, location: Location) -> Location:
    if stored is None:
        return location
    merged = location.model_copy(update={"evses": []})
    for evse in location.evses or []:
        before = find_evse(stored, evse.uid)
        if evse.status is Status.UNKNOWN and before is not None:
            evse = evse.model_copy(update={"status": before.status})
        merged = with_evse(merged, evse)
    for before in stored.evses or []:
        if find_evse(merged, before.uid) is None:
            merged = with_evse(merged, before)
    return merged


def patched(location: Location, patch: LocationPatch) -> tuple[Location, LocationPatch]:
    """The location with the patch applied, and the PATCH partners get (the same, EVSEs merged by uid)."""
    for field in ("country_code", "party_id", "id"):
        given = getattr(patch, field)
        if given is not None and given.upper() != getattr(location, field).upper():
            raise InvalidParameters(f"{field} can't be changed (it is {getattr(location, field)})")
    updated = apply_patch(location, patch.model_copy(update={"evses": None}))
    for evse in patch.evses or []:
        updated = with_evse(updated, evse)
    updated = updated.model_copy(update={"last_updated": max(patch.last_updated, location.last_updated)})
    if patch.evses is None:
        return updated, patch
    return updated, patch.model_copy(update={"evses": updated.evses})


def removed(location: Location, at: datetime) -> Location:
    gone = {"status": Status.REMOVED, "last_updated": at}
    evses = [evse.model_copy(update=gone) for evse in location.evses or []]
    return location.model_copy(update={"evses": evses, "last_updated": at})
