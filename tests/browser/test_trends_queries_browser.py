"""A query on Trends as an editor uses it (issue 15): typed into the page, drawn as a line, a point clicked to read
the articles behind it, downloaded with the query in its provenance. The real `streamlit run` and Chromium."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

import warehouse
from tests.browser.dashboard_server import SCREENSHOTS, grid_cell, requires_chromium, running_dashboard
from tests.browser.test_articles_sources_browser import NOW, OUTLETS, summer_2018
from tests.browser.test_downloads_browser import downloaded_zip
from tests.conftest import SHIPPED_EVENTS, SHIPPED_WATCHLIST

pytestmark = [pytest.mark.browser, requires_chromium]

QUERY = '"World Cup"'  # the phrase, capitals exact: "the World Cup: story 3 of 16 July"
VIEW = "entities=putin&from=2018-07-10&to=2018-07-20&bucket=day"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """One dashboard server for the module, reading three outlets' summer 2018."""
    folder = tmp_path_factory.mktemp("dashboard")
    wh = warehouse.open_warehouse(
        folder / "newstally.duckdb", watchlist_path=SHIPPED_WATCHLIST, events_path=SHIPPED_EVENTS
    )
    for number, outlet in enumerate(OUTLETS):
        warehouse.store_articles(wh, outlet, summer_2018(number), fetched_at=NOW)
    with running_dashboard(wh.path, folder / "streamlit.log") as url:
        yield url, wh.path


def a_day_to_click(db_path: Path) -> tuple[date, int]:
    """A day the query's line stands apart from Putin's (so the nearest point is the query's), and its count."""
    series = warehouse.entity_series(
        warehouse.Warehouse(db_path), ["putin"], queries=[QUERY], start=date(2018, 7, 10), end=date(2018, 7, 20)
    )
    counts = series.pivot(index="bucket_start", columns="entity_id", values="articles")
    apart = counts[(counts[QUERY] - counts["putin"]).abs() >= 2]
    day = apart.index[len(apart) // 2]
    return date.fromisoformat(str(day)[:10]), int(apart.loc[day, QUERY])


def test_a_typed_query_draws_its_line_and_a_click_on_a_point_opens_its_articles(served, browser):
    url, db_path = served
    day, count = a_day_to_click(db_path)
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.goto(f"{url}/?{VIEW}")
    page.locator(".vega-embed svg").first.wait_for(state="visible", timeout=30_000)

    box = page.get_by_label("Add a query", exact=True)
    box.fill(QUERY)
    box.press("Enter")

    page.locator(".vega-embed svg text", has_text=QUERY).first.wait_for(timeout=30_000)  # its legend entry
    page.wait_for_url(re.compile(r"q=%22World\+Cup%22"), timeout=15_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    point = page.locator(f'.vega-embed path[aria-label*="{day:%a %d %b %Y}"][aria-label*="World Cup"]').first
    point.wait_for(state="attached", timeout=15_000)
    assert f"Articles mentioning: {count}" in (point.get_attribute("aria-label") or "")
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "trends_query.png", full_page=True)

    bounds = point.bounding_box()
    assert bounds is not None
    page.mouse.move(bounds["x"] + bounds["width"] / 2, bounds["y"] + bounds["height"] / 2)
    page.mouse.click(bounds["x"] + bounds["width"] / 2, bounds["y"] + bounds["height"] / 2)

    page.wait_for_url(re.compile(rf"/articles\?q=%22World\+Cup%22&from={day}&to={day}$"), timeout=15_000)
    grid_cell(page, "the World Cup: story").first.wait_for(state="attached", timeout=30_000)
    assert page.get_by_label("Search titles and summaries").input_value() == QUERY
    assert page.get_by_text(re.compile(rf"Articles 1–{count} of {count},")).count() == 1
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()


def test_a_query_line_downloads_with_the_query_in_its_provenance(served, browser):
    url, _ = served
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.goto(f"{url}/?{VIEW}&q=%22World+Cup%22")
    page.locator(".vega-embed svg text", has_text=QUERY).first.wait_for(timeout=30_000)

    files = downloaded_zip(page, "CSV + provenance")

    [data_name] = [name for name in files if name.endswith(".csv")]
    rows = files[data_name].decode()
    assert f'"{QUERY.replace(chr(34), chr(34) * 2)}"' in rows  # the query's rows carry its text, CSV-quoted
    meta = json.loads(files[f"{data_name}.meta.json"])
    assert meta["command"][1].endswith("&q=%22World+Cup%22")
    assert meta["options"]["q"] == [QUERY]
    assert meta["options"]["equivalent_command"] == (
        "newstally series --entity putin --query '\"World Cup\"' --bucket day --from 2018-07-10 --to 2018-07-20"
    )
    page.close()


def test_a_bad_query_typed_on_trends_says_what_is_wrong(served, browser):
    url, _ = served
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.goto(f"{url}/?{VIEW}")
    page.locator(".vega-embed svg").first.wait_for(state="visible", timeout=30_000)

    box = page.get_by_label("Add a query", exact=True)
    box.fill('"World Cup')
    box.press("Enter")

    alert = page.locator('[data-testid="stAlertContentError"]', has_text="unclosed quote").first
    alert.wait_for(timeout=30_000)
    assert page.locator(".vega-embed svg").count() == 0
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()
