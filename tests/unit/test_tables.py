"""The tables the pages list and download: series, totals, spikes, outlets' coverage, articles, shares, feed health."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import pytest

from dashboard import tables
from tests.unit.test_charts import NAMES, spike, warehouse_series
from warehouse import FeedHealth


def test_series_as_shown_keeps_the_chosen_order_and_turns_share_into_percent():
    shown = tables.series_as_shown(warehouse_series(), NAMES)

    assert list(shown.columns) == list(tables.SHOWN_COLUMNS)
    assert list(shown["entity"].unique()) == ["Donald Trump", "Vladimir Putin"]
    trump_helsinki_week = shown[(shown["entity_id"] == "trump") & (shown["bucket_start"] == date(2018, 7, 16))]
    assert trump_helsinki_week["share_percent"].item() == pytest.approx(40.0)  # 8 of 20 articles


def test_series_as_shown_leaves_out_entities_that_were_not_chosen():
    shown = tables.series_as_shown(warehouse_series(), {"putin": "Vladimir Putin"})

    assert set(shown["entity_id"]) == {"putin"}


def test_entity_totals_sum_articles_over_the_range_and_find_the_busiest_bucket():
    totals = tables.entity_totals(tables.series_as_shown(warehouse_series(), NAMES)).set_index("entity")

    assert totals.loc["Donald Trump", "articles"] == 13  # 4 + 8 + 1
    assert totals.loc["Donald Trump", "share_percent"] == pytest.approx(37.14, abs=0.01)  # 13 of 35
    assert totals.loc["Vladimir Putin", "articles"] == 8  # 2 + 6 + 0
    assert totals.loc["Vladimir Putin", "busiest_bucket"] == "2018-07-16"


def test_spikes_as_shown_lists_episodes_newest_first_with_shares_in_percent():
    table = tables.spikes_as_shown([spike("putin", date(2018, 7, 1)), spike("putin", date(2018, 7, 17))], NAMES)

    assert table["episode_id"].tolist() == ["putin:2018-07-17", "putin:2018-07-01"]
    assert table["peak_share_percent"].tolist() == [30.0, 30.0]  # 0.3
    assert table["baseline_share_percent"].tolist() == [10.0, 10.0]


def test_outlet_coverage_puts_the_outlet_that_ignored_the_spike_first_against_its_usual_share():
    days = ["2018-07-12", "2018-07-13", "2018-07-14"]
    series = pd.DataFrame(
        {
            "bucket_start": days * 3,
            "source": ["Times"] * 3 + ["Herald"] * 3 + ["Gazette"] * 3,
            "entity_id": ["putin"] * 9,
            "articles": [1, 2, 9, 0, 1, 5, 1, 0, 0],
            "total_articles": [6, 6, 14, 4, 4, 10, 5, 5, 6],
        }
    )
    coverage = tables.outlet_coverage_as_shown(series, start=date(2018, 7, 14), end=date(2018, 7, 14))
    # In the spike: Gazette 0 of 6, Herald 5 of 10 (50 %), Times 9 of 14 (64.29 %).
    # Usual, the two days before: Gazette 1 of 10 (10 %), Herald 1 of 8 (12.5 %), Times 3 of 12 (25 %).
    # Every outlet has fewer than 20 articles in the spike: each share is flagged.
    assert coverage.drop(columns="small_base").to_dict("records") == [
        {"source": "Gazette", "articles": 0, "total_articles": 6, "share_percent": 0.0, "usual_share_percent": 10.0},
        {"source": "Herald", "articles": 5, "total_articles": 10, "share_percent": 50.0, "usual_share_percent": 12.5},
        {"source": "Times", "articles": 9, "total_articles": 14, "share_percent": 64.29, "usual_share_percent": 25.0},
    ]
    assert coverage["small_base"].tolist() == [True, True, True]
    assert tables.outlets_that_ignored(coverage) == ["Gazette"]


def test_an_outlet_silent_during_the_spike_has_no_share_and_is_not_said_to_have_ignored_it():
    series = pd.DataFrame(
        {
            "bucket_start": ["2018-07-13", "2018-07-14"],
            "source": ["Quiet", "Quiet"],
            "entity_id": ["putin", "putin"],
            "articles": [1, 0],
            "total_articles": [4, 0],
        }
    )
    coverage = tables.outlet_coverage_as_shown(series, start=date(2018, 7, 14), end=date(2018, 7, 14))
    assert coverage.to_dict("records") == [
        {
            "source": "Quiet",
            "articles": 0,
            "total_articles": 0,
            "share_percent": None,
            "usual_share_percent": 25.0,
            "small_base": True,
        }
    ]
    assert tables.outlets_that_ignored(coverage) == []


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

    shown = tables.articles_as_shown(found, {"trump": "Donald Trump", "putin": "Vladimir Putin"})

    assert list(shown.columns) == ["published_at", "source", "title", "entities", "url", "summary"]
    assert shown["title"].tolist() == ["<script>alert(1)</script>", "Putin meets Trump"]
    assert shown["entities"].tolist() == ["", "Vladimir Putin, Donald Trump"]
    assert shown["url"].isna().tolist() == [True, False]
    assert shown["url"].iloc[1] == "https://herald.example/1"


def test_page_count_is_at_least_one():
    assert [tables.page_count(total, 50) for total in (0, 1, 50, 51, 100, 101)] == [1, 1, 1, 2, 2, 3]


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

    shown = tables.share_of_voice_as_shown(shares, {"trump": "Donald Trump", "putin": "Vladimir Putin"})

    assert shown.to_dict("records") == [
        # 3 articles in all: under 20, so both shares are flagged.
        {
            "source": "A",
            "entity": "Donald Trump",
            "articles": 1,
            "total_articles": 3,
            "share_percent": 33.33,
            "small_base": True,
        },
        {
            "source": "A",
            "entity": "Vladimir Putin",
            "articles": 2,
            "total_articles": 3,
            "share_percent": 66.67,
            "small_base": True,
        },
    ]


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
    table = tables.feed_health_table(
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
    assert list(tables.feed_health_table([]).columns) == list(tables.FEED_HEALTH_COLUMNS)
