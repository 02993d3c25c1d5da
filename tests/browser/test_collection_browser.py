"""The collection picker as users see it: the real `streamlit run` server and Debian's Chromium. A link with
`collection=` opens the page on those outlets, and moving to another page keeps them, in its URL too."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

import warehouse
from tests.browser.dashboard_server import SCREENSHOTS, requires_chromium, running_dashboard
from tests.conftest import SHIPPED_EVENTS, SHIPPED_WATCHLIST, article

pytestmark = [pytest.mark.browser, requires_chromium]


@pytest.fixture(scope="module")
def dashboard_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The Times: 30 Putin stories, 12 on sanctions; the Herald: 4 Scholz stories, 3 on sanctions."""
    folder = tmp_path_factory.mktemp("collections")
    wh = warehouse.open_warehouse(
        folder / "newstally.duckdb", watchlist_path=SHIPPED_WATCHLIST, events_path=SHIPPED_EVENTS
    )
    at = datetime(2022, 3, 10, 12, tzinfo=UTC)
    times = [
        article(f"t{n}", f"Putin {'faces sanctions' if n < 12 else 'speaks'}, part {n}", published_at=at)
        for n in range(30)
    ]
    herald = [
        article(f"h{n}", f"Scholz {'backs sanctions' if n < 3 else 'visits Paris'}, part {n}", published_at=at)
        for n in range(4)
    ]
    warehouse.store_articles(wh, "Example Times", times, fetched_at=at)
    warehouse.store_articles(wh, "Example Herald", herald, fetched_at=at)
    warehouse.add_collection(wh, "times", sources=["Example Times"])
    with running_dashboard(wh.path, folder / "streamlit.log") as url:
        yield url


def test_a_collection_link_and_a_move_to_another_page_keep_the_outlets(dashboard_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{dashboard_url}/comentions?from=2022-03-01&to=2022-03-10&collection=times")

    page.locator(".vega-embed svg text", has_text="Co-mentions").first.wait_for(state="visible", timeout=30_000)
    picker = page.get_by_role("combobox", name="Collection")
    assert picker.input_value() == "times"
    # The Times alone: Putin 12 of 30 on sanctions; Scholz (a Herald story) is not drawn.
    assert page.locator(".vega-embed svg text", has_text="40.0 (30)").count() == 1
    assert page.locator(".vega-embed svg text", has_text="Olaf Scholz").count() == 0

    page.get_by_role("link", name="Sources").click()
    page.wait_for_function("() => location.pathname.endsWith('/sources')", timeout=15_000)
    page.wait_for_function("() => location.search.includes('collection=times')", timeout=15_000)
    assert page.get_by_role("combobox", name="Collection").input_value() == "times"
    assert page.locator('[data-testid="stException"]').count() == 0
    page.close()


def test_the_heatmap_marks_a_share_over_few_articles(dashboard_url, browser):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{dashboard_url}/comentions?from=2022-03-01&to=2022-03-10")

    page.locator(".vega-embed svg text", has_text="Co-mentions").first.wait_for(state="visible", timeout=30_000)
    # Scholz: 3 of 4 articles, under 20, so pale and counted; Putin: 12 of 30.
    assert page.locator(".vega-embed svg text", has_text="75.0 (4)").count() == 1
    assert page.locator(".vega-embed svg text", has_text="40.0 (30)").count() == 1
    assert page.locator(".vega-embed svg text", has_text="under 20 articles").count() == 1
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "comentions_small_numbers.png", full_page=True)
    page.close()
