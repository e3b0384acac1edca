"""An SCSP configured with a site's network (`[[sites]]`' `network`): line-current limits, validated at load,
passed to the planner, never planned over."""

from __future__ import annotations

import cmath
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fera.config import ConfigError, LineConnection, NetworkConfig, SiteConfig
from fera.config_file import load_config
from fera.ocpi.locations.models import Location
from fera.ocpi.sessions.models import Session
from fera.ocpi.types import format_datetime
from fera.planning import SessionStatistics, apply_min_rates, plan, to_charging_profile
from fera.scsp.planning_inputs import Known, build_problem
from fera.scsp.planning_network import LINES, per_watt

NOW = datetime(2026, 3, 2, 8, tzinfo=UTC)
STEP = timedelta(minutes=15)
WIRING: dict[str, LineConnection] = {"E1": "AB", "E2": "BC", "E3": "CA", "E4": "AB"}
# A Norwegian-style IT network: 230 V between lines, every single-phase EVSE across a line pair.
SITE = SiteConfig(
    location="LOC1",
    capacity_kw=100,
    network=NetworkConfig(line_amps=50, voltage=230, evses=WIRING),
)


def location() -> Location:
    stamp = format_datetime(NOW)
    return Location.model_validate(
        {
            "country_code": "NL", "party_id": "CPO", "id": "LOC1", "publish": True, "address": "a",
            "city": "b", "country": "NOR", "coordinates": {"latitude": "60.00000", "longitude": "10.00000"},
            "time_zone": "Europe/Oslo", "last_updated": stamp,
            "evses": [
                {"uid": uid, "status": "CHARGING", "last_updated": stamp, "connectors": [
                    {"id": "1", "standard": "IEC_62196_T2", "format": "SOCKET", "power_type": "AC_1_PHASE",
                     "max_voltage": 230, "max_amperage": 32, "last_updated": stamp}]}
                for uid in (*WIRING, "E5")
            ],
        }
    )  # fmt: skip


def known(sid: str, evse: str) -> Known:
    session = Session.model_validate(
        {
            "country_code": "NL", "party_id": "CPO", "id": sid, "start_date_time": format_datetime(NOW),
            "kwh": 0.0, "cdr_token": {"country_code": "NL", "party_id": "MSP", "uid": "T", "type": "RFID",
                                      "contract_id": "C"},
            "auth_method": "WHITELIST", "location_id": "LOC1", "evse_uid": evse, "connector_id": "1",
            "currency": "EUR", "status": "ACTIVE", "last_updated": format_datetime(NOW),
        }
    )  # fmt: skip
    return Known(("cpo", sid), session, location(), None)


def _line_amps(amps: dict[str, float]) -> dict[str, float]:
    """Line currents (A) of delta branch currents in phase with their line-to-line voltages."""
    phasor = {
        b: amps.get(b, 0.0) * cmath.exp(1j * math.radians(d))
        for b, d in (("AB", 30), ("BC", -90), ("CA", 150))
    }
    return {
        "A": abs(phasor["AB"] - phasor["CA"]),
        "B": abs(phasor["BC"] - phasor["AB"]),
        "C": abs(phasor["CA"] - phasor["BC"]),
    }


def test_a_delta_branch_puts_its_current_on_both_its_lines_at_its_angle() -> None:
    network = SITE.network
    assert network is not None
    assert per_watt(network, "AB", "A") == pytest.approx(cmath.exp(1j * math.radians(30)) / 230)
    assert per_watt(network, "AB", "B") == pytest.approx(-cmath.exp(1j * math.radians(30)) / 230)
    assert per_watt(network, "AB", "C") == 0
    wye = NetworkConfig(line_amps=32, voltage=400, evses={"X": "B"})
    assert per_watt(wye, "B", "B") == pytest.approx(cmath.exp(-2j * math.pi / 3) / (400 / math.sqrt(3)))


def test_the_loop_passes_the_network_as_line_currents_per_planned_session() -> None:
    cars = [known("S1", "E1"), known("S2", "E2"), known("S5", "E5")]
    problem = build_problem(cars, SessionStatistics(), NOW, STEP, {}, sites=[SITE])
    limits = {c.id: c for c in problem.currents}
    assert sorted(limits) == ["LOC1#1 line A", "LOC1#1 line B", "LOC1#1 line C"]
    assert set(limits["LOC1#1 line A"].coefficients) == {"cpo/S1"}  # E5 is not on the network
    assert set(limits["LOC1#1 line B"].coefficients) == {"cpo/S1", "cpo/S2"}
    assert all(c.limit_a == 50 for c in problem.currents)
    assert build_problem(cars, SessionStatistics(), NOW, STEP, {}, sites=[]).currents == []


def test_an_scsp_so_configured_never_plans_a_line_current_over_its_limit() -> None:
    """Four 32 A cars across AB, BC, CA, AB: unchecked, line A and B carry √3 x 32 A and more (the AB branch
    at 64 A), far over 50 A, while the site's 100 kW never binds. Planned: every line within 50 A, also as the
    profiles' amps the CPO gets."""
    cars = [known(f"S{i}", evse) for i, evse in enumerate(WIRING, start=1)]
    assert max(_line_amps({"AB": 64, "BC": 32, "CA": 32}).values()) > 80  # what the cars would draw
    problem = build_problem(cars, SessionStatistics(), NOW, STEP, {}, sites=[SITE])
    result = apply_min_rates(problem, plan(problem))
    branch = {"AB": ("S1", "S4"), "BC": ("S2",), "CA": ("S3",)}
    for k in range(result.steps):
        watts = {b: sum(float(result.schedule(f"cpo/{s}")[k]) for s in sids) for b, sids in branch.items()}
        lines = _line_amps({b: w / 230 for b, w in watts.items()})
        assert max(lines.values()) <= 50 + 1e-6
    first = _line_amps(
        {b: sum(float(result.schedule(f"cpo/{s}")[0]) / 230 for s in sids) for b, sids in branch.items()}
    )
    assert max(first.values()) == pytest.approx(50, rel=2e-3)  # the limit binds: the cars take what it allows
    sent = {s.id: to_charging_profile(result, s).periods[0].limit for s in problem.sessions}  # A per phase
    amps = {b: sum(sent[f"cpo/{s}"] for s in sids) for b, sids in branch.items()}
    assert max(_line_amps(amps).values()) <= 50 + 1e-6


@settings(max_examples=40, deadline=None)
@given(
    wiring=st.lists(st.sampled_from(["AB", "BC", "CA", "A", "B", "C"]), min_size=5, max_size=5),
    cars=st.lists(st.sampled_from([*WIRING, "E5"]), min_size=1, max_size=5, unique=True),
    line_amps=st.floats(1, 80),
    voltage=st.sampled_from([208.0, 230.0, 400.0]),
)
def test_no_wiring_gets_a_line_current_planned_over_its_limit(
    wiring: list[LineConnection], cars: list[str], line_amps: float, voltage: float
) -> None:
    """Any wiring of the five EVSEs, any cars among them: every line current of the plan the SCSP sends
    (after minimum rates) is within `line_amps`, computed here from the wiring."""
    evses = dict(zip([*WIRING, "E5"], wiring, strict=True))
    network = NetworkConfig(line_amps=line_amps, voltage=voltage, evses=evses)
    site = SiteConfig(location="LOC1", capacity_kw=100, network=network)
    problem = build_problem(
        [known(f"S{i}", evse) for i, evse in enumerate(cars)],
        SessionStatistics(),
        NOW,
        STEP,
        {},
        sites=[site],
    )
    result = apply_min_rates(problem, plan(problem))
    for line in LINES:
        current = sum(
            (
                per_watt(network, evses[evse], line) * result.schedule(f"cpo/S{i}")
                for i, evse in enumerate(cars)
            ),
            np.zeros(result.steps, dtype=np.complex128),
        )
        assert np.abs(current).max(initial=0) <= line_amps + 1e-6, line


@pytest.mark.parametrize(
    ("network", "message"),
    [
        ('line_amps = 50\nevses = { "E1" = "AD" }', "sites[0].network.evses.E1"),
        ('line_amps = 0\nevses = { "E1" = "AB" }', "sites[0].network.line_amps"),
        ('line_amps = 50\nevses = { "E9" = "AB" }', "E9 is not one of the site's evses"),
        ('line_amps = 50\nevses = { "E1" = "AB", "e1" = "BC" }', "connected once"),
        ("line_amps = 50\nevses = {}", "sites[0].network.evses"),
    ],
)
def test_a_wrong_network_is_refused_at_load_naming_its_key(
    tmp_path: Path, network: str, message: str
) -> None:
    path = tmp_path / "node.toml"
    path.write_text(
        '[node]\npublic_url = "http://127.0.0.1:9"\n\n[[roles]]\nrole = "SCSP"\ncountry_code = "NL"\n'
        'party_id = "SCS"\nname = "s"\n\n[[sites]]\nlocation = "LOC1"\nphase_amps = 63\n'
        f'evses = ["E1", "E2"]\n\n[sites.network]\n{network}\n'
    )
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert message in str(raised.value)


def test_a_network_loads_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "node.toml"
    path.write_text(
        '[node]\npublic_url = "http://127.0.0.1:9"\n\n[[roles]]\nrole = "SCSP"\ncountry_code = "NL"\n'
        'party_id = "SCS"\nname = "s"\n\n[[sites]]\nlocation = "LOC1"\ncapacity_kw = 100\n\n'
        '[sites.network]\nline_amps = 50\nvoltage = 230\nevses = { "E1" = "AB", "E2" = "C" }\n'
    )
    network = load_config(path).sites[0].network
    assert network == NetworkConfig(line_amps=50, voltage=230, evses={"E1": "AB", "E2": "C"})
    assert np.isclose(network.line_amps, 50)
