"""The Articles and Sources pages' pure parts: their views read from a URL, and the frames and charts they draw."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd

from dashboard import charts
from dashboard.url_state import (
    ArticlesView,
    SourcesView,
    articles_view_from_params,
    sources_view_from_params,
)
from warehouse import FeedHealth

ENTITY_IDS = ["trump", "putin", "zelensky", "biden", "nato"]
SOURCES = ["Example Herald", "Example Times"]
FIRST_DAY = date(2016, 1, 1)
LAST_DAY = date(2025, 9, 10)


def articles_view(params: dict) -> ArticlesView:
    return articles_view_from_params(
        params, entity_ids=ENTITY_IDS, sources=SOURCES, first_day=FIRST_DAY, last_day=LAST_DAY
    )


def sources_view(params: dict) -> SourcesView:
    return sources_view_from_params(params, entity_ids=ENTITY_IDS, first_day=FIRST_DAY, last_day=LAST_DAY)


def test_a_bare_articles_url_lists_everything_from_the_first_page():
    assert articles_view({}) == ArticlesView()
    assert ArticlesView().to_params() == {}


def test_a_full_articles_url_restores_every_control():
    view = articles_view(
        {"q": " summit ", "entity": "putin", "source": "Example Times", "from": "2018-07-01", "to": "2018-07-31"}
        | {"page": "2"}
    )

    assert view == ArticlesView("summit", "putin", "Example Times", date(2018, 7, 1), date(2018, 7, 31), 2)


def test_an_articles_view_written_to_params_reads_back_the_same():
    view = ArticlesView("100% <b>", "nato", "Example Herald", None, date(2020, 2, 29), 7)

    assert view.to_params() == {"q": "100% <b>", "entity": "nato", "source": "Example Herald", "to": "2020-02-29"} | {
        "page": "7"
    }
    assert articles_view(view.to_params()) == view


def test_unusable_articles_params_are_dropped():
    view = articles_view(
        {"entity": "nobody", "source": "No Such Outlet", "from": "soon", "to": "2018-02-31", "page": "-1"}
    )

    assert view == ArticlesView()


def test_articles_dates_are_clipped_to_the_corpus_and_put_the_right_way_round():
    view = articles_view({"from": "2030-01-01", "to": "2010-01-01"})

    assert (view.start, view.end) == (FIRST_DAY, LAST_DAY)


def test_a_very_long_search_text_is_cut_short():
    assert len(articles_view({"q": "x" * 5000}).text) == 200


def test_a_bare_sources_url_shows_the_usual_leaders_over_the_last_thirty_days():
    # 10 September back 29 days is 12 August: thirty days in all.
    assert sources_view({}) == SourcesView(("trump", "putin", "zelensky"), date(2025, 8, 12), LAST_DAY)


def test_a_sources_view_written_to_params_reads_back_the_same():
    view = SourcesView(("nato", "biden"), date(2018, 7, 1), date(2018, 7, 31))

    assert sources_view(view.to_params()) == view


def test_articles_as_shown_names_the_entities_and_drops_links_that_are_not_http():
    found = pd.DataFrame(
        {
            "article_id": [2, 1],
            "published_at": pd.to_datetime(["2018-07-16 12:00", "2018-07-16 09:00"]).tz_localize("UTC"),
            "source": ["Example Times", "Example Herald"],
            "title": ["<script>alert(1)</script>", "Putin meets Trump"],
            "summary": ["", "In Helsinki"],
            "url": ["JavaScript:alert(1)", "https://herald.example/1"],
            "entity_ids": [[], ["putin", "trump"]],
        }
    )

    shown = charts.articles_as_shown(found, {"trump": "Donald Trump", "putin": "Vladimir Putin"})

    assert list(shown.columns) == ["published_at", "source", "title", "entities", "url", "summary"]
    assert shown["title"].tolist() == ["<script>alert(1)</script>", "Putin meets Trump"]
    assert shown["entities"].tolist() == ["", "Vladimir Putin, Donald Trump"]
    assert shown["url"].isna().tolist() == [True, False]
    assert shown["url"].iloc[1] == "https://herald.example/1"


def test_page_count_is_at_least_one():
    assert [charts.page_count(total, 50) for total in (0, 1, 50, 51, 100, 101)] == [1, 1, 1, 2, 2, 3]


def test_share_of_voice_as_shown_names_entities_and_gives_percent():
    shares = pd.DataFrame(
        {
            "source": ["A", "A"],
            "entity_id": ["trump", "putin"],
            "articles": [1, 2],
            "total_articles": [3, 3],
            "share": [0.333333, 0.666667],
        }
    )

    shown = charts.share_of_voice_as_shown(shares, {"trump": "Donald Trump", "putin": "Vladimir Putin"})

    assert shown.to_dict("records") == [
        {"source": "A", "entity": "Donald Trump", "articles": 1, "total_articles": 3, "share_percent": 33.33},
        {"source": "A", "entity": "Vladimir Putin", "articles": 2, "total_articles": 3, "share_percent": 66.67},
    ]


def test_sources_charts_have_titles_and_axis_titles():
    volume = pd.DataFrame({"source": ["A", "B"], "articles": [5, 0]})
    shown = pd.DataFrame(
        {"source": ["A"], "entity": ["Donald Trump"], "articles": [1], "total_articles": [5], "share_percent": [20.0]}
    )

    volume_spec = charts.source_volume_chart(volume, start=date(2018, 7, 1), end=date(2018, 7, 31)).to_dict()
    share_spec = charts.share_of_voice_chart(shown, start=date(2018, 7, 1), end=date(2018, 7, 31)).to_dict()

    assert volume_spec["title"]["text"] == "Articles per outlet"
    assert volume_spec["encoding"]["x"]["title"] == "Articles in range"
    assert volume_spec["encoding"]["y"]["sort"] == ["A", "B"]  # busiest on top, as given
    assert share_spec["title"]["text"].startswith("Share of voice")
    assert share_spec["layer"][0]["encoding"]["color"]["title"] == "Share of the outlet's articles (%)"


def health(feed_id: int, source: str, *, failures: int = 0, enabled: bool = True, succeeded: bool = True):
    return FeedHealth(
        feed_id=feed_id,
        source_name=source,
        url=f"https://{source.lower()}.example/rss",
        enabled=enabled,
        disabled_reason=None if enabled else "HTTP 410 Gone",
        last_success_at=datetime(2018, 7, 24, 12, tzinfo=UTC) if succeeded else None,
        last_failure_at=None,
        last_error="timed out" if failures else None,
        consecutive_failures=failures,
        next_fetch_at=None,
        new_items_per_day=1.5,
        fetches_in_window=10,
    )


def test_feed_health_puts_failing_then_disabled_feeds_on_top_most_failures_first():
    table = charts.feed_health_table(
        [
            health(1, "Alpha"),
            health(2, "Bravo", failures=1),
            health(3, "Charlie", failures=3),
            health(4, "Delta", enabled=False),
            health(5, "Echo", failures=7),
            health(6, "Foxtrot", succeeded=False),
        ]
    )

    assert list(zip(table["source"], table["status"], strict=True)) == [
        ("Echo", "failing"),
        ("Charlie", "failing"),
        ("Delta", "disabled"),
        ("Bravo", "retrying"),
        ("Foxtrot", "new"),
        ("Alpha", "ok"),
    ]
    assert table.loc[table["source"] == "Delta", "last_error"].item() == "HTTP 410 Gone"
    assert str(table["last_success_at"].iloc[-1]) == "2018-07-24 12:00:00"


def test_feed_health_of_no_feeds_is_an_empty_table_with_its_columns():
    assert list(charts.feed_health_table([]).columns) == list(charts.FEED_HEALTH_COLUMNS)
