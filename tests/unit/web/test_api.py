"""The dashboard's JSON endpoints and pages on a real node's app: charts with data, words for what is missing,
escaping, no tokens, and the assets served from the installed packages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fera.cpo import cpo_of
from fera.node import Node
from fera.ocpi.sessions.models import CdrToken
from fera.signals import CapacityForecast
from fera.smartcharging.model import ProfileRequest, RequestKind, RequestState, SenderProfile
from tests.integration.chargingprofiles.setup import location
from tests.integration.chargingprofiles.setup import session as make_session
from tests.unit.web.conftest import client

NOW = datetime.now(UTC).replace(microsecond=0)
TOKEN = CdrToken.model_validate(
    {
        "country_code": "NL",
        "party_id": "MSP",
        "uid": "SECRET-UID-1",
        "type": "RFID",
        "contract_id": "NL-MSP-C1",
    }
)
PROFILE = {"charging_rate_unit": "A", "charging_profile_period": [{"start_period": 0, "limit": 16.0}]}


async def charging_session(cpo: Node) -> None:
    """S1 at LOC1-E1 (3 x 230 V, 32 A) with two readings and one Sender's profile."""
    sessions = cpo_of(cpo).sessions
    await sessions.start_session(
        token=TOKEN,
        location_id="LOC1",
        evse_uid="LOC1-E1",
        connector_id="1",
        session_id="S1",
        at=NOW - timedelta(minutes=30),
    )
    await sessions.meter_values("S1", kwh=5.0, at=NOW - timedelta(minutes=15), power_kw=20.0)
    await sessions.meter_values("S1", kwh=7.5, at=NOW)
    async with cpo.database.unit_of_work() as uow:
        await uow.sender_profiles.save(SenderProfile("S1", "p-emsp", PROFILE, NOW, NOW))


def kinds(chart: dict[str, object]) -> list[str]:
    traces = chart["traces"]
    assert isinstance(traces, list)
    return [t["kind"] for t in traces]


async def test_cpo_session_chart_has_drawn_power_sender_profile_and_active_profile(cpo: Node) -> None:
    await charging_session(cpo)
    async with client(cpo) as c:
        chart = (await c.get("/dashboard/api/sessions/NL/CPO/S1/chart")).json()
    assert kinds(chart) == ["drawn", "sender", "active"]
    drawn, sender, active = chart["traces"]
    assert drawn["y"][:2] == [20.0, 10.0]  # POWER, then 2.5 kWh over 15 minutes
    assert drawn["x"][0].endswith("Z") and drawn["shape"] == "hv"
    assert sender["y"][0] == 11.04  # 16 A x 230 V x 3 phases
    assert sender["name"] == "Profile of p-emsp"
    assert active["y"][0] == 11.04
    assert chart["y_title"] == "kW" and chart["notes"] == []


async def test_missing_things_are_said_in_words(cpo: Node) -> None:
    await cpo_of(cpo).sessions.start_session(
        token=TOKEN, location_id="LOC1", evse_uid="LOC1-E2", connector_id="1", session_id="S2"
    )
    async with client(cpo) as c:
        chart = (await c.get("/dashboard/api/sessions/NL/CPO/S2/chart")).json()
        location = (await c.get("/dashboard/api/locations/NL/CPO/LOC1/chart")).json()
        plan = (await c.get("/dashboard/api/scsp/plan")).json()
    assert kinds(chart) == ["active"]
    assert any("No power metered" in n for n in chart["notes"])
    assert any("No Sender has set" in n for n in chart["notes"])
    assert location["traces"] == []
    assert any("manages no site at this location" in n for n in location["notes"])
    assert any("No capacity is known" in n for n in location["notes"])
    assert plan["traces"] == [] and "No SCSP planner source" in plan["notes"][0]


async def test_location_chart_sums_metered_power_and_reads_the_capacity_forecast(cpo: Node) -> None:
    await charging_session(cpo)
    await cpo.signals.put_capacity(
        CapacityForecast.model_validate(
            {
                "group_id": "LOC1",
                "blocks": [
                    {
                        "capacity": 40,
                        "start_time": (NOW - timedelta(hours=1)).isoformat(),
                        "end_time": (NOW + timedelta(hours=1)).isoformat(),
                    }
                ],
            }
        )
    )
    async with client(cpo) as c:
        chart = (await c.get("/dashboard/api/locations/NL/CPO/LOC1/chart")).json()
    assert kinds(chart) == ["drawn", "capacity"]
    assert chart["traces"][0]["y"][0] == 20.0
    assert 40.0 in chart["traces"][1]["y"]


async def test_sender_side_chart_and_requests(scsp: Node) -> None:
    session = make_session("S9", "LOC1-E1")
    async with scsp.database.unit_of_work() as uow:
        await uow.sessions.put(session, "p-cpo")
        await uow.profile_requests.add(
            ProfileRequest(
                id="r1",
                kind=RequestKind.SET,
                partner_id="p-cpo",
                session_id="S9",
                state=RequestState.DONE,
                created_at=NOW - timedelta(minutes=5),
                payload=PROFILE,
                response="ACCEPTED",
                timeout_s=30,
                result={"result": "ACCEPTED"},
                result_at=NOW - timedelta(minutes=5) + timedelta(seconds=1.5),
            )
        )
        active = {"start_date_time": NOW.isoformat(), "charging_profile": PROFILE | {"duration": 600}}
        await uow.active_profiles.put("p-cpo", "S9", active, NOW)
    async with client(scsp) as c:
        chart = (await c.get("/dashboard/api/sessions/NL/CPO/S9/chart")).json()
        requests = (await c.get("/dashboard/api/sessions/NL/CPO/S9/requests")).json()
    assert kinds(chart) == ["sender", "active"]
    assert chart["traces"][0]["name"] == "Our profile"
    assert any("connector is not known" in n for n in chart["notes"])  # no location on this node
    assert [(r["kind"], r["state"], r["result"], r["latency_s"]) for r in requests] == [
        ("set", "DONE", "ACCEPTED", 1.5)
    ]


async def test_pages_link_together_escape_and_hide_tokens(cpo: Node) -> None:
    await charging_session(cpo)
    async with client(cpo) as c:
        overview = await c.get("/dashboard")
        sessions = await c.get("/dashboard/sessions")
        page = await c.get("/dashboard/sessions/NL/CPO/S1")
        missing = await c.get("/dashboard/sessions/NL/CPO/NOPE")
        api_missing = await c.get("/dashboard/api/sessions/NL/CPO/NOPE/chart")
    assert overview.status_code == 200 and "text/html" in overview.headers["content-type"]
    assert "Test &lt;CPO&gt;" in overview.text and "<CPO>" not in overview.text
    assert 'href="/dashboard/locations/NL/CPO/LOC1"' in overview.text
    assert 'href="/dashboard/sessions/NL/CPO/S1"' in sessions.text
    assert 'data-src="/dashboard/api/sessions/NL/CPO/S1/chart"' in page.text
    assert "/dashboard/static/plotly.min.js" in page.text and "cdn" not in page.text.lower()
    assert all("SECRET-UID-1" not in r.text for r in (overview, sessions, page))
    assert (missing.status_code, api_missing.status_code) == (404, 404)


async def test_assets_are_served_and_proxied_requests_are_refused(cpo: Node) -> None:
    async with client(cpo) as c:
        plotly = await c.get("/dashboard/static/plotly.min.js")
        css = await c.get("/dashboard/static/dashboard.css")
        proxied = await c.get("/dashboard", headers={"X-Forwarded-For": "203.0.113.9"})
    assert plotly.status_code == 200 and len(plotly.content) > 1_000_000
    assert css.headers["content-type"].startswith("text/css")
    assert proxied.status_code == 404


async def test_overview_json_never_carries_tokens(cpo: Node) -> None:
    await cpo.partners.invite("an eMSP")
    async with client(cpo) as c:
        overview = (await c.get("/dashboard/api/overview")).json()
    assert overview["node"] == "cpo-node"
    assert [r["role"] for r in overview["roles"]] == ["CPO"]
    (partner,) = overview["partners"]
    assert set(partner) == {"id", "name", "roles", "registered", "endpoints"}
    assert partner["registered"] is False


class Published:
    """What a node's flexibility source (fera.admin.FlexibilitySource) gives: rows per step, in kW."""

    async def flexibility_rows(self, group_id: str | None) -> list[dict[str, object]]:
        step = [NOW + timedelta(minutes=15 * k) for k in range(2)]
        rows: list[dict[str, object]] = [
            {"group_id": group_id, "time": t.isoformat(), "planned_kw": 10.0, "min_kw": 4.0, "max_kw": 22.0}
            for t in step
        ]
        return rows + [{"time": "not a time"}]  # ignored, not guessed

    async def flexibility_csv(self, group_id: str | None) -> str:
        return ""


class SiteLoad:
    async def load(self, location_id: str) -> list[tuple[datetime, float]]:
        return [(NOW - timedelta(minutes=30), 12.0), (NOW, 12.0)]

    async def capacity(self, location_id: str) -> list[tuple[datetime, float]] | None:
        return [(NOW - timedelta(minutes=30), 40.0), (NOW + timedelta(hours=1), 40.0)]


async def test_location_chart_from_the_sources_a_node_exposes(cpo: Node, scsp: Node) -> None:
    cpo.dashboard_sources.location_load = SiteLoad()
    scsp.dashboard_sources.flexibility = Published()
    scsp.dashboard_sources.scsp_plan = None  # the fallback: what the node publishes as its flexibility
    async with scsp.database.unit_of_work() as uow:
        await uow.locations.put(location(), "p-cpo")
    async with client(cpo) as c:
        at_cpo = (await c.get("/dashboard/api/locations/NL/CPO/LOC1/chart")).json()
    async with client(scsp) as c:
        at_scsp = (await c.get("/dashboard/api/locations/NL/CPO/LOC1/chart")).json()
    assert kinds(at_cpo) == ["load", "capacity"]
    assert at_cpo["traces"][1]["y"] == [40.0, 40.0]
    assert kinds(at_scsp) == ["band", "band", "planned"]
    low, high, planned = at_scsp["traces"]
    assert (low["y"], high["y"], high["fill"], planned["y"]) == ([4.0] * 3, [22.0] * 3, "tonexty", [10.0] * 3)
