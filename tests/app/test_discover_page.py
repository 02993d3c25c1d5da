"""The Discover page run by Streamlit's AppTest: the words that rose over the last day and week, each a link that
opens Trends with the word as a query."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs

import pytest
from streamlit.testing.v1 import AppTest

import warehouse
from tests.conftest import REPO_ROOT, article

APP = REPO_ROOT / "dashboard" / "app.py"
PAGE = "app_pages/discover.py"
LAST_DAY = date(2018, 7, 5)
ROUTINE = ("Weather stays mild in the capital", "Football club signs a new coach", "Markets close steady again")
PLANTED = (
    "Alaska summit set for Friday",
    "Leaders arrive for the Alaska summit",
    "What to expect from the Alaska summit",
    "Alaska summit ends without a deal",
)


def planted_corpus(fresh: warehouse.Warehouse) -> warehouse.Warehouse:
    """Six weeks of the same three routine headlines a day, and on the last day four about an Alaska summit."""
    articles = []
    for offset in range(42):
        day = LAST_DAY - timedelta(days=offset)
        noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
        articles += [
            article(f"{day}-{n}", title, published_at=noon + timedelta(minutes=n)) for n, title in enumerate(ROUTINE)
        ]
    last_noon = datetime(LAST_DAY.year, LAST_DAY.month, LAST_DAY.day, 13, tzinfo=UTC)
    articles += [
        article(f"alaska-{n}", title, published_at=last_noon + timedelta(minutes=n)) for n, title in enumerate(PLANTED)
    ]
    warehouse.store_articles(fresh, "Example Times", articles, fetched_at=datetime(2018, 7, 6, tzinfo=UTC))
    return fresh


def discover(db_path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("NEWSTALLY_DB", str(db_path))
    app = AppTest.from_file(str(APP), default_timeout=60)
    app.switch_page(PAGE)
    return app.run()


def test_discover_lists_the_planted_term_for_the_day_and_the_week(fresh_warehouse, monkeypatch):
    app = discover(planted_corpus(fresh_warehouse).path, monkeypatch)

    assert not app.exception
    assert app.title[0].value == "Discover"
    headings = [element.value for element in app.subheader]
    assert headings == ["Last day: 05 Jul 2018", "Last week: 29 Jun – 05 Jul 2018"]
    labels = [link.label for link in app.get("page_link")]
    # The day: 4 of its 7 articles hold "alaska summit"; none of the 28 days before do. Both tables list it.
    assert labels.count("alaska summit") == 2
    assert labels.count("alaska") == 2
    assert "weather" not in labels  # as common before as now
    counts = [element.value for element in app.markdown]
    assert "4 (57.14 %)" in counts  # the day: 4 of 7
    assert "4 (16.00 %)" in counts  # the week: 4 of 7 × 3 + 4 = 25


def test_a_term_opens_trends_with_it_as_a_quoted_query(fresh_warehouse, monkeypatch):
    app = discover(planted_corpus(fresh_warehouse).path, monkeypatch)

    [day_link, week_link] = [link.proto for link in app.get("page_link") if link.proto.label == "alaska summit"]

    assert day_link.page.endswith("trends") or day_link.page == ""
    day_params = parse_qs(day_link.query_string, keep_blank_values=True)
    assert day_params["q"] == ['"alaska summit"']
    assert day_params["entities"] == [""]
    assert (day_params["from"], day_params["to"], day_params["bucket"]) == (["2018-06-07"], ["2018-07-05"], ["day"])
    assert parse_qs(week_link.query_string)["from"] == ["2018-06-01"]  # 28 days before 29 Jun

    trends = AppTest.from_file(str(APP), default_timeout=60)
    for name, [value] in day_params.items():
        trends.query_params[name] = value
    trends.run()

    assert not trends.exception
    totals = trends.dataframe[0].value.set_index("entity")
    assert list(totals.index) == ['"alaska summit"']
    assert totals.loc['"alaska summit"', "articles"] == 4
    assert totals.loc['"alaska summit"', "busiest_bucket"] == "2018-07-05"


def test_an_empty_warehouse_shows_how_to_get_articles(fresh_warehouse, monkeypatch):
    app = discover(fresh_warehouse.path, monkeypatch)

    assert not app.exception
    assert app.get("page_link") == [] or all(not link.proto.label for link in app.get("page_link"))
    assert any("newstally demo" in element.value for element in app.info)
