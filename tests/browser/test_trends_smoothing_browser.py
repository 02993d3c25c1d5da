"""Smoothing and small bases on Trends as a user meets them (issue 15), in the real `streamlit run` and Chromium:
the Smooth control changes the line and survives a reload through the URL, and the download's provenance records
it; a share over too few articles is a hollow ring whose tooltip says how many articles it is based on."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

import warehouse
from tests.app.test_trends_smoothing import a_week_of_articles
from tests.browser.dashboard_server import SCREENSHOTS, requires_chromium, running_dashboard
from tests.browser.test_downloads_browser import downloaded_zip
from tests.conftest import SHIPPED_EVENTS, SHIPPED_WATCHLIST

pytestmark = [pytest.mark.browser, requires_chromium]

# One outlet, 9–15 July 2018, Putin's articles of all: 2/30, 10/30, 1/3 (Wed 11th), 6/30, 0/30, 3/30, 9/30.
VIEW = "entities=putin&from=2018-07-09&to=2018-07-15&bucket=day"
QUIET_DAY = "Wed 11 Jul 2018"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("smoothing")
    wh = warehouse.open_warehouse(
        folder / "newstally.duckdb", watchlist_path=SHIPPED_WATCHLIST, events_path=SHIPPED_EVENTS
    )
    warehouse.store_articles(wh, "Example Times", a_week_of_articles())
    with running_dashboard(wh.path, folder / "streamlit.log") as url:
        yield url


def point_label(page, day: str) -> str:
    """The accessible label of the line's point on `day` (Vega writes each point's tooltip into it)."""
    point = page.locator(f'.vega-embed path[aria-label*="; Day: {day};"]:not([aria-label*="Few articles"])').first
    point.wait_for(state="attached", timeout=30_000)
    return point.get_attribute("aria-label") or ""


def smoothing(page, label: str):
    """One choice of the Smooth control (a radio group)."""
    return page.get_by_role("radiogroup", name="Smooth").get_by_role("radio", name=label, exact=True)


def test_the_smooth_control_changes_the_line_and_a_reload_keeps_it(served, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.goto(f"{served}/?{VIEW}")
    assert "Articles mentioning: 1;" in point_label(page, QUIET_DAY)

    smoothing(page, "3 days").click()

    page.wait_for_url(re.compile(r"smooth=3"), timeout=15_000)
    # (2 + 10 + 1) / 3 articles a day over the three days ending on the 11th.
    page.locator(f'.vega-embed path[aria-label*="{QUIET_DAY}"][aria-label*="mean of 3 days: 4.33"]').first.wait_for(
        state="attached", timeout=30_000
    )
    page.get_by_text("each point the mean of the 3 days ending there").first.wait_for(timeout=15_000)

    page.reload()
    assert "Articles mentioning, mean of 3 days: 4.33;" in point_label(page, QUIET_DAY)
    assert smoothing(page, "3 days").get_attribute("aria-checked") == "true"
    assert "smooth=3" in page.url

    files = downloaded_zip(page, "CSV + provenance")
    [data_name] = [name for name in files if name.endswith(".csv")]
    assert "-smooth3" in data_name
    meta = json.loads(files[f"{data_name}.meta.json"])
    assert meta["options"]["smooth"] == 3
    assert meta["options"]["equivalent_command"] == (
        "newstally series --entity putin --bucket day --from 2018-07-09 --to 2018-07-15 --smooth 3"
    )
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()


def test_a_share_over_few_articles_is_a_hollow_ring_saying_what_it_is_based_on(served, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.goto(f"{served}/?{VIEW}&metric=share")

    rings = page.locator('.vega-embed path[aria-label*="Few articles: yes"]')
    rings.first.wait_for(state="attached", timeout=30_000)
    assert rings.count() == 1
    label = rings.first.get_attribute("aria-label") or ""
    assert QUIET_DAY in label
    assert "Share based on: 3 articles: fewer than 20, too few for the share to mean much" in label
    page.get_by_text("hollow rings: shares of fewer than 20 articles").first.wait_for(timeout=15_000)
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "trends_small_base.png", full_page=True)

    bounds = rings.first.bounding_box()
    assert bounds is not None
    # A little right of the ring: on it lies the NATO summit's rule (11–12 July), whose tooltip is the event's.
    page.mouse.move(bounds["x"] + bounds["width"] / 2 + 12, bounds["y"] + bounds["height"] / 2)
    tooltip = page.locator("#vg-tooltip-element")
    tooltip.get_by_text("3 articles: fewer than 20", exact=False).wait_for(timeout=15_000)
    assert "33.33" in tooltip.inner_text()  # 1 of 3 articles

    # Smoothed over 3 days, the 11th's share is over 30 + 30 + 3 articles: no longer marked.
    smoothing(page, "3 days").click()
    page.wait_for_url(re.compile(r"smooth=3"), timeout=15_000)
    page.locator(f'.vega-embed path[aria-label*="{QUIET_DAY}"][aria-label*="63 articles over 3 days"]').first.wait_for(
        state="attached", timeout=30_000
    )
    assert rings.count() == 0
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()
