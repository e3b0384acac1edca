"""`[[sites]]`: a connection's per-phase fuse, nested sub-boards and each EVSE's phase wiring, validated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from fera.config import BoardConfig, NodeConfig, RoleConfig, SiteConfig
from fera.cpo.chargingprofiles.site_grid import connection_w, site_levels
from fera.ocpi.types import format_datetime
from fera.signals import CapacityForecast, capacity_limits

T0 = datetime(2026, 3, 2, 8, tzinfo=UTC)


def site(**fields: object) -> SiteConfig:
    return SiteConfig.model_validate({"location": "LOC1"} | fields)


def test_capacity_kw_alone_is_still_a_site() -> None:
    assert site(capacity_kw=30).capacity_kw == 30 and site(capacity_kw=30).phase_amps is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "capacity_kw or phase_amps"),
        ({"phase_amps": 63, "boards": [{"id": "A"}, {"id": "a"}]}, "unique"),
        ({"phase_amps": 63, "boards": [{"id": "A", "parent": "B"}]}, "unknown board B"),
        ({"phase_amps": 63, "boards": [{"id": "A", "parent": "B"}, {"id": "B", "parent": "A"}]}, "cycle"),
        (
            {"phase_amps": 63, "boards": [{"id": "A", "evses": ["E1"]}, {"id": "B", "evses": ["e1"]}]},
            "one board",
        ),
        ({"phase_amps": 63, "phases": {"E1": ["L1", "L1"]}}, "distinct"),
        ({"phase_amps": 63, "phases": {"E1": ["L4"]}}, "L1"),
    ],
)
def test_an_inconsistent_site_is_refused(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        site(**fields)


def test_a_location_is_one_site_or_several_that_name_their_evses() -> None:
    role = RoleConfig.model_validate({"role": "CPO", "country_code": "NL", "party_id": "CPO", "name": "c"})

    def node(*sites: SiteConfig) -> NodeConfig:
        return NodeConfig(public_url="http://x", roles=[role], sites=list(sites))

    node(site(phase_amps=40, evses=["E1"]), site(phase_amps=40, evses=["E2"]))
    with pytest.raises(ValidationError, match="more than one site"):
        node(site(phase_amps=40), site(phase_amps=40, evses=["E2"]))
    with pytest.raises(ValidationError, match="more than one site"):
        node(site(phase_amps=40, evses=["E1"]), site(phase_amps=40, evses=["e1", "E2"]))


def test_boards_nest_and_wiring_gives_the_site_phases_a_car_loads() -> None:
    config = site(
        phase_amps=63,
        boards=[BoardConfig(id="hall", phase_amps=40), BoardConfig(id="bay", parent="hall", evses=["E1"])],
        phases={"E1": ["L2", "L3", "L1"], "E2": ["L3"]},
    )
    assert [b.id for b in config.boards_of("e1")] == ["bay", "hall"] and config.boards_of("E9") == []
    assert config.site_phases("E1", 3) == ("L2", "L3", "L1")
    assert config.site_phases("E1", 3, car_phases=1) == ("L2",)  # a single-phase car: the EVSE's L1
    assert config.site_phases("E2", 1) == ("L3",)
    assert config.site_phases("E3", 1) == ("L1", "L2", "L3")  # single-phase, wiring unknown: any phase
    assert config.site_phases("E4", 3, car_phases=2) == ("L1", "L2")


def test_a_forecast_lowers_the_configured_fuse_but_never_raises_it() -> None:
    def block(amps: float, phase: str) -> dict[str, object]:
        end = format_datetime(T0 + timedelta(hours=1))
        return {
            "capacity": amps,
            "unit": "A",
            "phase": phase,
            "start_time": format_datetime(T0),
            "end_time": end,
        }

    forecast = CapacityForecast.model_validate(
        {"group_id": "LOC1", "blocks": [block(20, "ONE"), block(90, "TWO")]}
    )
    connection, board = site_levels(
        site(phase_amps=63, boards=[{"id": "bay", "phase_amps": 32}]), capacity_limits(forecast)
    )
    at = {p: connection.phase_a[p].limit_at(T0) for p in ("L1", "L2", "L3")}
    assert at == {"L1": 20, "L2": 63, "L3": 63}
    assert connection.phase_a["L1"].limit_at(T0 + timedelta(hours=2)) == 63  # the fuse after the block
    assert (board.id, board.phase_a["L2"].limit_at(T0)) == ("BAY", 32)


def test_the_connection_as_one_total_takes_its_tightest_limit() -> None:
    connection, *_ = site_levels(site(phase_amps=63, capacity_kw=40), None)
    assert connection_w(site(phase_amps=63), connection).limit_at(T0) == 40_000  # 40 kW < 3 x 230 x 63
    alone, *_ = site_levels(site(phase_amps=32), None)
    assert connection_w(site(phase_amps=32), alone).limit_at(T0) == 3 * 230 * 32
