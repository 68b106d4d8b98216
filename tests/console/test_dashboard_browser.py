"""The dashboard in real headless Chromium (Debian's, via Playwright): log in, open /dashboard
with several months of data, the five charts are visible with their titles, drawn in colour
under the console's Content-Security-Policy (no violation reported), and the data table opens.
Takes docs/screenshots/dashboard.png when NAVIGATOR_SCREENSHOTS is set (`make screenshots`)."""
from __future__ import annotations

import os
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.console import create_console_app
from bot.settings import load_settings
from tests.bot.measurement.test_dashboard import seed
from tests.console.browser_support import ConsoleServer, chromium_missing, launch
from tests.console.conftest import KEYS, PASSWORD

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(chromium_missing() is not None, reason=str(chromium_missing()))]

# `make screenshots` refreshes the one in docs/; a plain test run writes it to a temp dir.
SHOTS = Path(os.environ.get("NAVIGATOR_SCREENSHOTS") or tempfile.mkdtemp(prefix="shots-"))
CHARTS = {"needs-over-time": "Needs raised over time", "outcomes-by-need": "Outcomes by need",
          "checkin-response": "Check-in response rate", "unmet-by-area": "Unmet need by area",
          "ratings": "Ratings distribution"}


@pytest.fixture
def console_url(sessions, db_url, tmp_path, team):
    seed(sessions, datetime.now(timezone.utc).date())
    settings = load_settings({"DATABASE_URL": db_url, "TRACKER_DB": str(tmp_path / "t.db")})
    with ConsoleServer(create_console_app(settings, sessions, keys=KEYS)) as url:
        yield url


def test_dashboard_charts_in_the_browser(console_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        problems = []
        page.on("console", lambda m: problems.append(m.text)
                if m.type in ("error", "warning") else None)
        try:
            page.goto(console_url + "/login")
            page.fill("input[name=email]", "jo@example.org")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(console_url + "/")
            page.click("header nav a[href='/dashboard']")
            page.wait_for_url(console_url + "/dashboard")
            assert page.title().startswith("Dashboard")
            for key, title in CHARTS.items():
                card = page.locator(f"section[data-chart='{key}']")
                assert card.locator("h2").inner_text() == title
                svg = card.locator("svg.chart-svg")
                assert svg.is_visible()
                box = svg.bounding_box()
                assert box["width"] > 300 and box["height"] > 150
                assert card.get_attribute("aria-labelledby") == f"{key}-heading"
                assert svg.locator("title").text_content() == title
            # Colours come from presentation attributes, which the CSP allows (styles would not)
            fill = page.evaluate("""() => {
                const bar = document.querySelector('#ratings svg path[fill="#e69f00"]');
                return bar ? getComputedStyle(bar).fill : null; }""")
            assert fill == "rgb(230, 159, 0)"
            assert not [m for m in problems if "Content Security Policy" in m], problems
            table = page.locator("section[data-chart='ratings'] details table")
            assert not table.is_visible()
            page.locator("section[data-chart='ratings'] details summary").click()
            assert table.is_visible() and "5 stars" in table.inner_text()
            page.locator("section[data-chart='ratings'] details summary").click()
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)
        finally:
            context.close()
            browser.close()
