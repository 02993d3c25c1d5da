"""The dashboard as users see it: the real `streamlit run` server and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

import warehouse
from tests.browser.dashboard_server import SCREENSHOTS, requires_chromium, running_dashboard
from tests.conftest import SHIPPED_EVENTS, SHIPPED_WATCHLIST

pytestmark = pytest.mark.browser

FIRST_DAY, LAST_DAY = date(2018, 6, 1), date(2018, 8, 31)


def summer_2018_articles() -> list[warehouse.FetchedArticle]:
    """Three months of one outlet's headlines, busier around the Helsinki summit (16 July 2018)."""
    chooser = random.Random(2018)
    topics = ["Trump", "Putin", "Trump and Putin", "Merkel", "Macron", "the weather", "the World Cup"]
    articles = []
    for offset in range((LAST_DAY - FIRST_DAY).days + 1):
        day = FIRST_DAY + timedelta(days=offset)
        summit_boost = max(0, 6 - abs((day - date(2018, 7, 16)).days))
        for number in range(8 + summit_boost):
            topic = "Trump and Putin" if number < summit_boost else chooser.choice(topics)
            articles.append(
                warehouse.FetchedArticle(
                    guid=f"{day}-{number}",
                    url=f"https://times.example/{day}/{number}",
                    title=f"{topic}: story {number} of {day:%d %B}",
                    summary="",
                    published_at=datetime(day.year, day.month, day.day, 6 + number % 14, tzinfo=UTC),
                )
            )
    return articles


@pytest.fixture(scope="module")
def dashboard_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real dashboard server on a free local port, reading a warehouse seeded with summer 2018."""
    folder = tmp_path_factory.mktemp("dashboard")
    wh = warehouse.open_warehouse(
        folder / "newstally.duckdb", watchlist_path=SHIPPED_WATCHLIST, events_path=SHIPPED_EVENTS
    )
    warehouse.store_articles(wh, "Example Times", summer_2018_articles(), fetched_at=datetime(2018, 9, 1, tzinfo=UTC))
    with running_dashboard(wh.path, folder / "streamlit.log") as url:
        yield url


@requires_chromium
def test_trends_page_draws_the_chart_with_labelled_event_rules(dashboard_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1050})
    page.goto(f"{dashboard_url}/?entities=trump,putin,merkel&from={FIRST_DAY}&to={LAST_DAY}&bucket=week")

    page.locator(".vega-embed svg").first.wait_for(state="visible", timeout=30_000)
    helsinki = page.locator(".vega-embed svg text", has_text="Helsinki").first
    helsinki.wait_for(state="visible", timeout=15_000)

    assert helsinki.text_content() == "Trump–Putin summit, Helsinki"
    for name in ("Donald Trump", "Vladimir Putin", "Angela Merkel"):
        assert page.locator(".vega-embed svg text", has_text=name).count() >= 1
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "metric=articles" in page.url  # the page wrote the full view back to the URL
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "trends.png", full_page=True)

    helsinki.hover()
    tooltip = page.locator("#vg-tooltip-element")
    tooltip.wait_for(state="visible", timeout=5_000)
    assert "Helsinki, Finland" in tooltip.inner_text()
    assert "Donald Trump, Vladimir Putin" in tooltip.inner_text()
    page.close()


@requires_chromium
def test_share_view_from_a_shared_link_shows_percent_axis(dashboard_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1050})
    page.goto(f"{dashboard_url}/?entities=putin&from=2018-07-01&to=2018-07-31&bucket=day&metric=share")

    title = page.locator(".vega-embed svg text", has_text="Share of all articles mentioning each entity, per day")
    title.first.wait_for(state="visible", timeout=30_000)

    assert page.locator(".vega-embed svg text", has_text="Share of all articles (%)").count() >= 1
    assert page.locator(".vega-embed svg text", has_text="Helsinki").count() >= 1
    page.close()
