"""The Spikes and Event lens pages as users see them: the real `streamlit run` server and Debian's Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from tests.browser.dashboard_server import (
    SCREENSHOTS,
    grid_cell,
    page_link,
    requires_chromium,
    running_dashboard,
)
from tests.spike_corpus import SHARED_HEADLINE, SPIKE_ID, build_spike_corpus

pytestmark = [pytest.mark.browser, requires_chromium]


@pytest.fixture(scope="module")
def dashboard_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One dashboard server for the module, reading three outlets' summer 2018 with a Putin spike on 14 July."""
    folder = tmp_path_factory.mktemp("dashboard")
    wh = build_spike_corpus(folder / "newstally.duckdb")
    with running_dashboard(wh.path, folder / "streamlit.log") as url:
        yield url


def test_a_spike_link_shows_the_headlines_that_drove_it(dashboard_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1300})
    page.goto(f"{dashboard_url}/spikes?{urlencode({'entity': 'putin', 'spike': SPIKE_ID})}")

    headline = grid_cell(page, SHARED_HEADLINE).first
    headline.wait_for(state="attached", timeout=30_000)

    assert page.get_by_label("Entity").input_value() == "Vladimir Putin"
    assert grid_cell(page, "reshuffle").count() >= 1  # a rising word, and headlines
    assert grid_cell(page, "Trump–Putin summit, Helsinki").count() == 1  # two days later
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "spike=putin%3A2018-07-14" in page.url or "spike=putin:2018-07-14" in page.url
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "spikes.png", full_page=True)
    page.close()


def test_a_click_on_a_spike_marker_on_trends_opens_its_headlines(dashboard_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1050})
    page.goto(f"{dashboard_url}/?entities=putin,trump&from=2018-07-01&to=2018-07-31&bucket=day&metric=share")
    marker = page.locator('.vega-embed path[aria-label*="Spike of"]').first
    marker.wait_for(timeout=30_000)

    marker.hover()
    tooltip = page.locator("#vg-tooltip-element")
    tooltip.wait_for(state="visible", timeout=5_000)
    assert SHARED_HEADLINE in tooltip.inner_text()
    assert "Sat 14 Jul 2018" in tooltip.inner_text()
    marker.click()

    page.wait_for_url(re.compile(r"/spikes\?entity=putin&spike=putin%3A2018-07-14$"), timeout=15_000)
    grid_cell(page, SHARED_HEADLINE).first.wait_for(state="attached", timeout=30_000)
    page.close()


def test_trends_links_to_each_lines_spikes(dashboard_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1050})
    page.goto(f"{dashboard_url}/?entities=putin,trump&from=2018-07-01&to=2018-07-31&bucket=day&metric=share")
    page.locator(".vega-embed svg text", has_text="1 spike as diamonds").first.wait_for(timeout=30_000)
    link = page_link(page, "spikes?entity=putin")
    expect(link).to_have_count(1, timeout=30_000)

    link.click()

    page.wait_for_url(re.compile(r"/spikes\?entity=putin"), timeout=15_000)
    grid_cell(page, SHARED_HEADLINE).first.wait_for(state="attached", timeout=30_000)
    page.close()


def test_event_lens_draws_the_window_chart_and_the_lift_table(dashboard_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    page.goto(f"{dashboard_url}/event_lens?event=helsinki_2018&window=3&baseline=28")

    page.locator(".vega-embed svg text", has_text="around Trump–Putin summit").first.wait_for(timeout=30_000)
    putin = grid_cell(page, "Vladimir Putin").first
    putin.wait_for(state="attached", timeout=15_000)

    assert page.locator(".vega-embed svg text", has_text="Trump–Putin summit, Helsinki").count() >= 1  # the rule
    assert grid_cell(page, "2018-07-14").count() >= 1  # Putin's peak day
    assert page.locator('[data-testid="stException"]').count() == 0
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "event_lens.png", full_page=True)
    page.close()
