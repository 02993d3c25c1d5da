"""The Articles and Sources pages as users see them: the real `streamlit run` server and Debian's Chromium."""

from __future__ import annotations

import random
import re
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

import warehouse
from tests.browser.dashboard_server import (
    SCREENSHOTS,
    grid_cell,
    page_link,
    requires_chromium,
    running_dashboard,
)
from tests.conftest import SHIPPED_EVENTS, SHIPPED_WATCHLIST

pytestmark = [pytest.mark.browser, requires_chromium]

FIRST_DAY, LAST_DAY = date(2018, 6, 1), date(2018, 8, 31)
OUTLETS = ("Example Times", "Example Herald", "Example Courier")
HELSINKI_HEADLINE = "Putin and Trump shake hands in Helsinki"
HOSTILE_HEADLINE = "<script>alert(1)</script> Putin's summit <img src=x onerror=alert(2)>"
NOW = datetime(2018, 9, 1, tzinfo=UTC)


def summer_2018(outlet_number: int) -> list[warehouse.FetchedArticle]:
    """Three months of one outlet's headlines, busier around the Helsinki summit (16 July 2018)."""
    chooser = random.Random(2018 + outlet_number)
    topics = ["Trump", "Putin", "Trump and Putin", "Merkel", "NATO", "the weather", "the World Cup"]
    articles = []
    for offset in range((LAST_DAY - FIRST_DAY).days + 1):
        day = FIRST_DAY + timedelta(days=offset)
        summit_boost = max(0, 4 - abs((day - date(2018, 7, 16)).days)) * (3 - outlet_number)
        for number in range(4 + 2 * outlet_number + summit_boost):
            topic = "Trump and Putin" if number < summit_boost else chooser.choice(topics)
            articles.append(
                warehouse.FetchedArticle(
                    guid=f"{outlet_number}-{day}-{number}",
                    url=f"https://outlet{outlet_number}.example/{day}/{number}",
                    title=f"{topic}: story {number} of {day:%d %B}",
                    summary="",
                    published_at=datetime(day.year, day.month, day.day, 6 + number % 14, tzinfo=UTC),
                )
            )
    return articles


def special_articles() -> list[warehouse.FetchedArticle]:
    return [
        warehouse.FetchedArticle(
            "helsinki",
            "https://times.example/helsinki",
            HELSINKI_HEADLINE,
            "",
            datetime(2018, 7, 16, 15, tzinfo=UTC),
        ),
        warehouse.FetchedArticle(
            "hostile",
            "https://times.example/hostile",
            HOSTILE_HEADLINE,
            "<script>alert(3)</script>",
            datetime(2018, 7, 17, 9, tzinfo=UTC),
        ),
    ]


def register_feeds(wh: warehouse.Warehouse) -> None:
    """One healthy feed per outlet, and a Courier feed that has failed four times in a row."""
    for number, outlet in enumerate(OUTLETS):
        feed = warehouse.add_feed(wh, f"https://outlet{number}.example/rss", source_name=outlet)
        warehouse.record_fetch(
            wh,
            warehouse.FetchResult(feed.feed_id, NOW, warehouse.FetchOutcome.NOT_MODIFIED, 40, status_code=304),
            plan=warehouse.FeedPlan(next_fetch_at=NOW + timedelta(minutes=30)),
        )
    broken = warehouse.add_feed(wh, "https://courier.example/broken.xml", source_name="Example Courier")
    for attempt in range(4):
        warehouse.record_fetch(
            wh,
            warehouse.FetchResult(
                broken.feed_id,
                NOW - timedelta(hours=4 - attempt),
                warehouse.FetchOutcome.TRANSIENT_ERROR,
                30_000,
                status_code=503,
                error="HTTP 503 Service Unavailable",
            ),
            plan=warehouse.FeedPlan(next_fetch_at=NOW + timedelta(hours=attempt + 1)),
        )


@pytest.fixture(scope="module")
def dashboard_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One dashboard server for the module, reading three outlets' summer 2018, a hostile headline and feeds."""
    folder = tmp_path_factory.mktemp("dashboard")
    wh = warehouse.open_warehouse(
        folder / "newstally.duckdb", watchlist_path=SHIPPED_WATCHLIST, events_path=SHIPPED_EVENTS
    )
    for number, outlet in enumerate(OUTLETS):
        articles = summer_2018(number) + (special_articles() if number == 0 else [])
        warehouse.store_articles(wh, outlet, articles, fetched_at=NOW)
    register_feeds(wh)
    with running_dashboard(wh.path, folder / "streamlit.log") as url:
        yield url


def test_articles_page_from_a_shared_link_finds_the_headline_and_restores_the_controls(dashboard_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    query = {"q": "helsinki", "entity": "putin", "source": "Example Times", "from": "2018-07-10", "to": "2018-07-20"}
    page.goto(f"{dashboard_url}/articles?{urlencode(query)}")

    headline = grid_cell(page, HELSINKI_HEADLINE).first
    headline.wait_for(state="attached", timeout=30_000)

    assert page.get_by_label("Search titles and summaries").input_value() == "helsinki"
    assert page.get_by_label("Mentions").input_value() == "Vladimir Putin"
    assert page.get_by_label("Outlet").input_value() == "Example Times"
    assert page.locator('[data-testid="stDataFrame"] td', has_text="https://times.example/helsinki").count() == 1
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "q=helsinki" in page.url and "entity=putin" in page.url
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "articles.png", full_page=True)
    page.close()


def test_next_page_moves_on_and_writes_the_page_to_the_url(dashboard_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{dashboard_url}/articles?entity=trump")
    page.get_by_text(re.compile(r"page 1 of \d+")).wait_for(timeout=30_000)

    page.get_by_role("button", name="Next").click()

    page.get_by_text(re.compile(r"Articles 51–100 of [\d,]+")).wait_for(timeout=15_000)
    page.wait_for_url(re.compile(r"page=2"), timeout=5_000)
    page.close()


def test_a_script_in_a_feed_title_shows_as_text_and_never_runs(dashboard_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    # The search is a query: a "phrase" looks for the characters as they are.
    search = urlencode({"q": '"<script>"'})
    page.goto(f"{dashboard_url}/articles?{search}")

    cell = grid_cell(page, "Putin's summit").first
    cell.wait_for(state="attached", timeout=30_000)
    time.sleep(1.0)  # give any injected script the chance to run

    assert cell.text_content() == HOSTILE_HEADLINE
    assert grid_cell(page, "<script>alert(3)</script>").count() == 1  # the summary, as text too
    assert page.evaluate("() => [...document.scripts].some(s => s.textContent.includes('alert('))") is False
    assert page.locator("img[src='x']").count() == 0
    assert dialogs == []
    page.close()


def test_trends_links_to_the_articles_behind_a_line(dashboard_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{dashboard_url}/?entities=putin,trump&from=2018-07-10&to=2018-07-20&bucket=day")
    page.locator(".vega-embed svg .mark-line path").first.wait_for(timeout=30_000)
    link = page_link(page, "articles?entity=putin&from=2018-07-10&to=2018-07-20")
    expect(link).to_have_count(1, timeout=30_000)

    link.click()

    page.wait_for_url(re.compile(r"/articles\?entity=putin&from=2018-07-10&to=2018-07-20$"), timeout=15_000)
    # Newest first: the last day of the range opens the list.
    grid_cell(page, "Putin: story 6 of 20 July").first.wait_for(state="attached", timeout=30_000)
    assert page.get_by_label("Mentions").input_value() == "Vladimir Putin"
    page.close()


def test_sources_page_draws_volume_share_of_voice_and_failing_feeds_on_top(dashboard_url, browser):
    # Tall enough for the feed health table: Streamlit scrolls inside the page, so a full-page shot sees no more.
    page = browser.new_page(viewport={"width": 1400, "height": 1700})
    page.goto(f"{dashboard_url}/sources?entities=trump,putin,merkel&from=2018-07-01&to=2018-07-31")

    page.locator(".vega-embed svg text", has_text="Articles per outlet").first.wait_for(timeout=30_000)
    page.locator(".vega-embed svg text", has_text="Share of voice").first.wait_for(timeout=15_000)
    first_status = page.locator('[data-testid="stDataFrame"] td[aria-colindex="1"]').first
    first_status.wait_for(state="attached", timeout=15_000)

    for outlet in OUTLETS:
        assert page.locator(".vega-embed svg text", has_text=outlet).count() >= 2  # both charts
    assert first_status.text_content() == "failing"
    assert grid_cell(page, "HTTP 503 Service Unavailable").count() == 1
    assert page.locator('[data-testid="stException"]').count() == 0
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "sources.png", full_page=True)
    page.close()
