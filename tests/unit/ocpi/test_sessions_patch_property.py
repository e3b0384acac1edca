"""`patched_wire` is `apply_patch` on the stored wire form, for any PATCH and any stored session."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from fera.ocpi.sessions.models import Session, SessionPatch, SessionStatus, apply_patch, patched_wire

T0 = datetime(2030, 1, 1, tzinfo=UTC)
_TIMES = st.integers(0, 10**6).map(lambda s: (T0 + timedelta(seconds=s, milliseconds=s % 7)).isoformat())
_VOLUMES = st.floats(-1e6, 1e6, allow_nan=False) | st.integers(-1000, 1000)
_TOKEN = {"country_code": "NL", "party_id": "EMS", "uid": "T", "type": "RFID", "contract_id": "C"}
_IDS = st.text("ABCDEFGH0123456789-", min_size=1, max_size=36)


def _period() -> st.SearchStrategy[dict[str, Any]]:
    dimension = st.fixed_dictionaries(
        {"type": st.sampled_from(["ENERGY", "POWER", "CURRENT", "MAX_CURRENT"]), "volume": _VOLUMES}
    )
    return st.fixed_dictionaries(
        {"start_date_time": _TIMES, "dimensions": st.lists(dimension, min_size=1, max_size=3)},
        optional={"tariff_id": _IDS},
    )


_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "kwh": st.none() | st.floats(0, 1e6, allow_nan=False),
    "status": st.none() | st.sampled_from([s.value for s in SessionStatus]),
    "end_date_time": st.none() | _TIMES,
    "start_date_time": _TIMES,
    "meter_id": st.none() | _IDS,
    "authorization_reference": st.none() | _IDS,
    "location_id": _IDS,
    "total_cost": st.none() | st.fixed_dictionaries({"excl_vat": st.floats(0, 1e4, allow_nan=False)}),
    "charging_periods": st.none() | st.lists(_period(), max_size=3),
}


def _stored(periods: list[dict[str, Any]], meter_id: str | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "country_code": "NL",
        "party_id": "CPO",
        "id": "S1",
        "start_date_time": T0.isoformat(),
        "kwh": 1.0,
        "cdr_token": _TOKEN,
        "auth_method": "WHITELIST",
        "location_id": "LOC1",
        "evse_uid": "E1",
        "connector_id": "1",
        "meter_id": meter_id,
        "currency": "EUR",
        "charging_periods": periods or None,
        "status": "ACTIVE",
        "last_updated": T0.isoformat(),
    }
    return Session.model_validate(data).to_wire()  # as a store holds it


@settings(max_examples=150, deadline=None)
@given(
    periods=st.lists(_period(), max_size=5),
    meter_id=st.none() | _IDS,
    sent=st.fixed_dictionaries({}, optional=_FIELDS),
    last_updated=_TIMES,
)
def test_a_patch_on_the_stored_wire_form_is_apply_patch(
    periods: list[dict[str, Any]], meter_id: str | None, sent: dict[str, Any], last_updated: str
) -> None:
    stored = _stored(periods, meter_id)
    patch = SessionPatch.model_validate(sent | {"last_updated": last_updated})

    wire = patched_wire(stored, patch)

    expected = apply_patch(Session.from_stored(stored), patch).to_wire()
    assert wire == expected
    assert list(wire) == list(expected)
