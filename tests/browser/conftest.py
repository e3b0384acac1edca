"""Headless Debian Chromium driven by Playwright (async: the nodes under test run on the same event loop).

Skipped when /usr/bin/chromium is missing, except in CI (env CI set), where that is a failure:
`scripts/browser-deps` installs it. Playwright's own browser download is never used.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.async_api import Browser, Page, Route, async_playwright

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps calling Google's hosts, which this closed network
# refuses; --no-sandbox because CI runs as root.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

Shot = Callable[[Page, str], Awaitable[Path]]


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():  # scripts/test installs it; a skipped browser test would prove nothing
        pytest.fail(f"{CHROMIUM} is missing: run scripts/browser-deps (scripts/test does)")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    """A page that may only reach 127.0.0.1 (the dashboard must work without any external network) and
    fails the test on any script error."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    tab = await context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)

    async def local_only(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            await route.continue_()
        else:
            errors.append(f"external request: {route.request.url}")
            await route.abort()

    await tab.route("**/*", local_only)
    try:
        yield tab
    finally:
        await context.close()
    assert errors == []


@pytest.fixture
def screenshot(tmp_path: Path) -> Shot:
    """Full-page PNG into the test's tmp dir, copied to $FERA_SCREENSHOTS when set."""

    async def take(page: Page, name: str) -> Path:
        path = tmp_path / f"{name}.png"
        await page.screenshot(path=str(path), full_page=True)
        target = os.environ.get("FERA_SCREENSHOTS")
        if target:
            Path(target).mkdir(parents=True, exist_ok=True)
            shutil.copy(path, Path(target) / path.name)
        return path

    return take
