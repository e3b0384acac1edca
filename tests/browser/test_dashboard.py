"""The dashboard in headless Chromium against a small running demo: pages link together, every chart is
drawn by Plotly with data (traces in the SVG with real paths), and each page is saved as a screenshot."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Page

from tests.browser.conftest import Shot
from tests.browser.scenario import Demo, small_demo
from tests.nodes import NodeFactory

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]


async def drawn(page: Page, chart_id: str) -> list[str]:
    """Waits for the chart, checks each trace left a non-trivial SVG path; returns the trace names."""
    chart = page.locator(f"#{chart_id}")
    await page.wait_for_function(
        "id => { const el = document.getElementById(id); return el && el.dataset.rendered !== undefined; }",
        arg=chart_id,
    )
    rendered = await chart.get_attribute("data-rendered")
    names: list[str] = await chart.evaluate("el => (el.data || []).map(t => t.name)")
    assert rendered == str(len(names)), (rendered, names)
    paths: list[str] = await chart.locator(".scatterlayer .trace path.js-line").evaluate_all(
        "els => els.map(e => e.getAttribute('d') || '')"
    )
    assert len(paths) == len(names) and all(len(d) > 10 for d in paths), paths
    return names


async def notes(page: Page, chart_id: str) -> list[str]:
    texts: list[str] = await page.locator(f"#{chart_id} + ul.notes li").all_inner_texts()
    return texts


@pytest.fixture
async def demo(node_factory: NodeFactory) -> AsyncIterator[Demo]:
    running = await small_demo(node_factory)
    try:
        yield running
    finally:
        await running.close()


async def test_cpo_overview_session_and_location(demo: Demo, page: Page, screenshot: Shot) -> None:
    await page.goto(demo.url(demo.cpo, "/dashboard"))
    partners = await page.locator("#partners tbody tr").all_inner_texts()
    assert len(partners) == 2 and all("registered" in row for row in partners)
    await screenshot(page, "cpo-overview")

    await page.click("header nav >> text=Sessions")
    await page.click("#sessions >> text=S1")
    names = await drawn(page, "session-chart")  # the SCSP's planner may have set a profile too
    assert {"Power drawn", "Profile of Blue Mobility (eMSP)", "Active profile"} <= set(names)
    assert "Blue Mobility (eMSP)" in await page.locator("#holders").inner_text()
    history = await page.locator("#history tbody tr").all_inner_texts()  # newest first
    ours = [row for row in history if "Blue Mobility (eMSP)" in row]
    assert len(ours) == 2 and all("set" in row for row in ours)
    assert "16 A from +0 s, 10 A from +1800 s" in ours[0] and "20 A from +0 s" in ours[1]
    assert await page.locator("#limiters tbody tr").count() >= 1
    await screenshot(page, "cpo-session")

    await page.click("main .card >> text=LOC1")
    assert await drawn(page, "location-chart") == [
        "Drawn by sessions (metered)",
        "Managed: sum of the sessions' limits",
        "Capacity (configured, with forecasts and cuts)",
    ]
    assert await notes(page, "location-chart") == []
    await screenshot(page, "cpo-location")


async def test_cpo_stations_frames_and_partner_messages(demo: Demo, page: Page, screenshot: Shot) -> None:
    await page.goto(demo.url(demo.cpo, "/dashboard"))
    await page.click("header nav >> text=Stations")
    rows = await page.locator("#stations tbody tr").all_inner_texts()
    assert len(rows) == 1 and "ST1" in rows[0] and "online" in rows[0] and "ocpp1.6" in rows[0]
    assert "—" not in rows[0].split("ocpp1.6", 1)[1]  # connected, last heartbeat and last message all known
    refused = await page.locator("#refused tbody tr").all_inner_texts()
    assert any("INTRUDER" in r and "unknown station (401)" in r for r in refused)
    await screenshot(page, "cpo-stations")

    await page.click("#stations >> text=ST1")
    frames = await page.locator("#frames tbody tr").all_inner_texts()
    assert any("BootNotification" in f and "in" in f for f in frames)
    assert any("SetChargingProfile" in f and "out" in f for f in frames)  # zero TxDefault: managed site
    await screenshot(page, "cpo-station")

    await page.goto(demo.url(demo.cpo, "/dashboard"))
    await page.click("#partners >> text=Blue Mobility (eMSP)")
    messages = await page.locator("#messages tbody tr").all_inner_texts()
    assert any("/ocpi/" in m and "1000" in m for m in messages)
    await screenshot(page, "cpo-partner")


async def test_emsp_session_with_its_profile_requests(demo: Demo, page: Page, screenshot: Shot) -> None:
    await page.goto(demo.url(demo.emsp, "/dashboard/sessions"))
    await page.click("#sessions >> text=S1")
    assert await drawn(page, "session-chart") == ["Power drawn", "Our profile", "Active profile"]
    requests = await page.locator("#requests tbody tr").all_inner_texts()
    assert any("SET" in row and "DONE" in row and "ACCEPTED" in row for row in requests)
    await screenshot(page, "emsp-session")


async def test_scsp_signals_plan_and_flexibility_band(demo: Demo, page: Page, screenshot: Shot) -> None:
    planner = demo.scsp.node.planner
    assert planner is not None
    planner.poke()
    await planner.settle()  # the real planner has planned the two contracted sessions
    await page.goto(demo.url(demo.scsp, "/dashboard/scsp"))
    assert await drawn(page, "plan-chart") == ["S1", "S2"]
    assert await drawn(page, "signals-chart") == ["Price (EUR/kWh)", "CO2 (g/kWh)"]
    await screenshot(page, "scsp-plan")

    await page.goto(demo.url(demo.scsp, "/dashboard/locations/NL/CPO/LOC1"))
    assert await drawn(page, "location-chart") == [
        "Drawn by sessions (metered)",
        "Flexibility min",
        "Flexibility max",
        "Planned",
    ]
    await screenshot(page, "scsp-location")
