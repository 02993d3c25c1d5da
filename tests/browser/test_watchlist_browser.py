"""The Watchlist page as an editor uses it: the real `streamlit run` server and Debian's Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest

import warehouse
from tests.browser.dashboard_server import requires_chromium, running_dashboard
from tests.conftest import SHIPPED_EVENTS, SHIPPED_WATCHLIST

pytestmark = [pytest.mark.browser, requires_chromium]


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, warehouse.Warehouse]]:
    """Three weeks of headlines, an Alaska summit story among them from the second week on."""
    folder = tmp_path_factory.mktemp("dashboard")
    wh = warehouse.open_warehouse(
        folder / "newstally.duckdb", watchlist_path=SHIPPED_WATCHLIST, events_path=SHIPPED_EVENTS
    )
    start = datetime(2025, 8, 1, 9, tzinfo=UTC)
    articles = []
    for day in range(21):
        for number in range(6):
            topic = "Alaska summit: Trump meets Putin" if day >= 7 and number < 2 else "Trump at the White House"
            articles.append(
                warehouse.FetchedArticle(
                    f"{day}-{number}", f"https://times.example/{day}/{number}", topic, "",
                    start + timedelta(days=day, hours=number),
                )
            )  # fmt: skip
    warehouse.store_articles(wh, "Example Times", articles, fetched_at=start + timedelta(days=22))
    with running_dashboard(wh.path, folder / "streamlit.log") as url:
        yield url, wh


def test_a_query_saved_as_an_entity_shows_its_history_on_trends(dashboard, browser):
    url, wh = dashboard
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    query = urlencode({"query": '"Alaska summit"'})
    page.goto(f"{url}/watchlist?{query}")

    aliases = page.get_by_label("Aliases, one a line").first
    aliases.wait_for(state="visible", timeout=30_000)
    assert aliases.input_value() == "Alaska summit"
    page.get_by_role("button", name="Save entity").click()

    link = page.get_by_role("link", name="See it on Trends")
    link.wait_for(state="visible", timeout=30_000)
    link.click()
    page.locator(".vega-embed svg").first.wait_for(state="visible", timeout=30_000)
    legend = page.locator(".vega-embed svg text", has_text="Alaska summit").first
    legend.wait_for(state="visible", timeout=15_000)
    assert "entities=alaska_summit" in page.url
    # Two articles a day for the last 14 days: its whole history was counted on saving.
    history = [v for v in warehouse.watchlist_history(wh) if v.entity_id == "alaska_summit"]
    assert [v.action for v in history] == ["add"]
    page.close()
