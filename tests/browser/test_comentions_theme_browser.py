"""The Co-mentions heatmap, Trends split per outlet with its ingest gaps greyed, and the dark theme, as users
see them: the real `streamlit run` server and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

import warehouse
from tests.browser.dashboard_server import SCREENSHOTS, requires_chromium, running_dashboard
from tests.conftest import SHIPPED_EVENTS, SHIPPED_WATCHLIST

pytestmark = [pytest.mark.browser, requires_chromium]

FIRST_DAY, LAST_DAY = date(2018, 6, 1), date(2018, 8, 31)
OUTLETS = {"Example Times": "https://times.example/rss", "Example Herald": "https://herald.example/rss"}
HERALD_DOWN = {date(2018, 7, 10), date(2018, 7, 11)}  # the Herald's feed failed all day
TOPICS = {
    "Example Times": ["Putin and the sanctions", "Trump at NATO", "Trump and Putin", "Merkel", "the weather"],
    "Example Herald": ["Putin", "Trump and the tariffs", "Trump and Putin on arms control", "the World Cup"],
}


def fetch_log() -> list[tuple[warehouse.FetchResult, warehouse.FeedPlan]]:
    """A fetch a day of each outlet's feed over summer 2018, each bringing that day's stories."""
    fetches = []
    for feed_id, outlet in enumerate(OUTLETS, start=1):
        chooser = random.Random(feed_id)
        for offset in range((LAST_DAY - FIRST_DAY).days + 1):
            day = FIRST_DAY + timedelta(days=offset)
            started = datetime(day.year, day.month, day.day, 20, tzinfo=UTC)
            failed = outlet == "Example Herald" and day in HERALD_DOWN
            articles = () if failed else tuple(
                warehouse.FetchedArticle(
                    guid=f"{outlet}-{day}-{number}",
                    url=f"https://{outlet.split()[1].lower()}.example/{day}/{number}",
                    title=f"{chooser.choice(TOPICS[outlet])}: story {number} of {day:%d %B}",
                    summary="",
                    published_at=started - timedelta(hours=1 + number % 12),
                )
                for number in range(6)
            )  # fmt: skip
            result = warehouse.FetchResult(
                feed_id=feed_id,
                started_at=started,
                outcome=warehouse.FetchOutcome.TRANSIENT_ERROR if failed else warehouse.FetchOutcome.NEW_CONTENT,
                duration_ms=40,
                status_code=503 if failed else 200,
                error="HTTP 503" if failed else None,
                articles=articles,
                items_seen=len(articles),
            )
            fetches.append((result, warehouse.FeedPlan(next_fetch_at=started + timedelta(hours=1))))
    return fetches


@pytest.fixture(scope="module")
def dashboard_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("comentions")
    wh = warehouse.open_warehouse(
        folder / "newstally.duckdb", watchlist_path=SHIPPED_WATCHLIST, events_path=SHIPPED_EVENTS
    )
    for outlet, url in OUTLETS.items():
        warehouse.add_feed(wh, url, source_name=outlet)
    warehouse.record_fetches(wh, fetch_log())
    with running_dashboard(wh.path, folder / "streamlit.log") as url:
        yield url


def drawn_in_full(page) -> None:
    """Wait for the parts drawn after the chart (downloads, the table), so a screenshot shows no placeholders."""
    page.get_by_role("button", name="Chart as PNG").first.wait_for(state="visible", timeout=15_000)
    page.locator('[data-testid="stDataFrame"]').first.wait_for(state="visible", timeout=15_000)


def test_comentions_heatmap_renders_labelled_and_switches_to_change(dashboard_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    page.goto(f"{dashboard_url}/comentions?from=2018-07-01&to=2018-07-31")

    title = page.locator(".vega-embed svg text", has_text="Co-mentions: % of each leader's articles")
    title.first.wait_for(state="visible", timeout=30_000)
    for text in ("Vladimir Putin", "Donald Trump", "Sanctions", "Trade and tariffs", "Leader", "Theme"):
        assert page.locator(".vega-embed svg text", has_text=text).count() >= 1
    assert page.locator(".vega-embed svg path[aria-roledescription='rect mark'], .vega-embed svg .mark-rect path")
    assert page.get_by_text("Outlets that diverge most").is_visible()
    drawn_in_full(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "show=share" in page.url
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "comentions.png", full_page=True)

    page.get_by_text("Change vs before", exact=True).click()
    page.locator(".vega-embed svg text", has_text="Change in how often").first.wait_for(state="visible", timeout=30_000)
    page.wait_for_function("() => location.search.includes('show=change')", timeout=10_000)
    page.screenshot(path=SCREENSHOTS / "comentions_change.png", full_page=True)
    page.close()


def test_a_copied_comentions_link_restores_the_change_view(dashboard_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    page.goto(f"{dashboard_url}/comentions?from=2018-07-09&to=2018-07-22&show=change")

    subtitle = page.locator(".vega-embed svg text", has_text="09 Jul 2018 – 22 Jul 2018 against 25 Jun 2018")
    subtitle.first.wait_for(state="visible", timeout=30_000)
    page.close()


def test_trends_per_outlet_draws_a_chart_per_outlet_with_its_gap_days_grey(dashboard_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    page.goto(f"{dashboard_url}/?entities=trump,putin&from=2018-07-01&to=2018-07-31&bucket=day&split=outlet")

    heading = page.locator(".vega-embed svg text", has_text="one chart per outlet")
    heading.first.wait_for(state="visible", timeout=30_000)
    for outlet in OUTLETS:
        assert page.locator(".vega-embed svg text", has_text=outlet).count() >= 1
    # The Herald's two failed days: two grey bands, in its panel only.
    assert page.locator(".vega-embed svg .mark-rect path").count() == 2
    assert page.get_by_text("Grey bands mark 2 days").is_visible()
    assert page.get_by_role("switch", name="One chart per outlet").is_checked()
    drawn_in_full(page)
    page.screenshot(path=SCREENSHOTS / "trends_per_outlet.png", full_page=True)
    page.close()


def test_dark_theme_follows_the_readers_system_and_charts_use_the_dark_palette(dashboard_url, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1050}, color_scheme="dark")
    page = context.new_page()
    page.goto(f"{dashboard_url}/?entities=trump,putin&from=2018-07-01&to=2018-07-31&bucket=day")

    page.locator(".vega-embed svg").first.wait_for(state="visible", timeout=30_000)
    page.locator(".vega-embed svg text", has_text="Articles mentioning each entity").first.wait_for(timeout=15_000)
    background = page.evaluate(
        "() => getComputedStyle(document.querySelector('[data-testid=\"stApp\"]')).backgroundColor"
    )
    assert background == "rgb(14, 17, 23)"  # theme.dark.backgroundColor
    strokes = page.eval_on_selector_all(
        ".vega-embed svg .mark-line path", "paths => paths.map(path => path.getAttribute('stroke'))"
    )
    assert [stroke.upper() for stroke in strokes[:2]] == ["#56B4E9", "#E69F00"]  # charts.DARK: sky blue first
    title_fill = page.eval_on_selector(".vega-embed svg .role-title-text text", "text => getComputedStyle(text).fill")
    assert title_fill != "rgb(0, 0, 0)"  # light text on the dark page
    drawn_in_full(page)
    page.screenshot(path=SCREENSHOTS / "trends_dark.png", full_page=True)
    context.close()
