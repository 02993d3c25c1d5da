"""Browsing reads: searching articles, volume per outlet, share of voice per outlet."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

import warehouse
from tests.conftest import article


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def corpus(fresh_warehouse: warehouse.Warehouse) -> warehouse.Warehouse:
    """Two outlets, six stories over four days; the tally is the shipped watchlist's."""
    warehouse.store_articles(
        fresh_warehouse,
        "Outlet A",
        [
            article("a1", "Putin meets Trump in Helsinki", "", at("2018-07-16T09:00")),
            article("a2", "Heatwave grips Finland", "Helsinki swelters as Putin lands", at("2018-07-16T10:00")),
            article("a3", "World Cup final", "France win", at("2018-07-15T18:00")),
            article("a4", "Sanctions: 100% of banks, 50_50 chance", "", at("2018-07-17T08:00")),
        ],
        fetched_at=at("2018-07-18T00:00"),
    )
    warehouse.store_articles(
        fresh_warehouse,
        "Outlet B",
        [
            article("b1", "HELSINKI summit ends", "Trump flies home", at("2018-07-16T23:30")),
            article("b2", "Markets calm", "", at("2018-07-18T12:00")),
        ],
        fetched_at=at("2018-07-19T00:00"),
    )
    return fresh_warehouse


def titles(frame) -> list[str]:
    return frame["title"].tolist()


def test_search_matches_title_or_summary_case_insensitively_newest_first(corpus):
    found, total = warehouse.search_articles(corpus, text="helsinki")

    # b1 (title, upper case, 16 Jul 23:30), a2 (summary, 10:00), a1 (title, 09:00).
    assert titles(found) == ["HELSINKI summit ends", "Heatwave grips Finland", "Putin meets Trump in Helsinki"]
    assert total == 3


def test_without_filters_every_article_comes_back_newest_first(corpus):
    found, total = warehouse.search_articles(corpus)

    assert found["article_id"].is_unique
    assert titles(found) == [
        "Markets calm",
        "Sanctions: 100% of banks, 50_50 chance",
        "HELSINKI summit ends",
        "Heatwave grips Finland",
        "Putin meets Trump in Helsinki",
        "World Cup final",
    ]
    assert total == 6


def test_each_row_carries_outlet_link_time_and_the_entities_it_mentions(corpus):
    found, _ = warehouse.search_articles(corpus, text="putin meets")

    [row] = found.to_dict("records")
    assert row["source"] == "Outlet A"
    assert row["url"] == "https://news.example/a1"
    assert row["published_at"] == at("2018-07-16T09:00")
    assert row["entity_ids"] == ["putin", "trump"]


def test_an_article_that_mentions_nobody_has_an_empty_entity_list(corpus):
    found, _ = warehouse.search_articles(corpus, text="world cup")

    assert found["entity_ids"].tolist() == [[]]


def test_entity_filter_keeps_articles_that_mention_it(corpus):
    found, total = warehouse.search_articles(corpus, entity_id="putin")

    # a2 mentions Putin in its summary only; a1 in its title.
    assert titles(found) == ["Heatwave grips Finland", "Putin meets Trump in Helsinki"]
    assert total == 2


def test_filters_combine(corpus):
    found, total = warehouse.search_articles(corpus, text="helsinki", entity_id="trump", source="Outlet B")

    assert titles(found) == ["HELSINKI summit ends"]
    assert total == 1


def test_an_unknown_entity_is_an_error_that_names_the_known_ones(corpus):
    with pytest.raises(warehouse.UnknownEntity, match="putin"):
        warehouse.search_articles(corpus, entity_id="nobody")


def test_date_range_is_inclusive_local_days(corpus):
    _, total = warehouse.search_articles(corpus, start=date(2018, 7, 16), end=date(2018, 7, 16))
    assert total == 3  # a1, a2, b1 (23:30 UTC is still the 16th in UTC)

    berlin, berlin_total = warehouse.search_articles(
        corpus, start=date(2018, 7, 16), end=date(2018, 7, 16), tz="Europe/Berlin"
    )
    # In Berlin (UTC+2) b1 falls on the 17th; a1 and a2 stay on the 16th.
    assert titles(berlin) == ["Heatwave grips Finland", "Putin meets Trump in Helsinki"]
    assert berlin_total == 2
    assert berlin["published_at"].iloc[0].isoformat() == "2018-07-16T12:00:00+02:00"


def test_an_open_ended_range_has_one_bound(corpus):
    _, since_17th = warehouse.search_articles(corpus, start=date(2018, 7, 17))
    _, until_15th = warehouse.search_articles(corpus, end=date(2018, 7, 15))

    assert since_17th == 2  # a4, b2
    assert until_15th == 1  # a3


def test_paging_walks_the_matches_and_total_counts_them_all(corpus):
    first, total = warehouse.search_articles(corpus, limit=4)
    second, total_again = warehouse.search_articles(corpus, limit=4, offset=4)
    beyond, total_beyond = warehouse.search_articles(corpus, limit=4, offset=8)

    assert titles(first) == [
        "Markets calm",
        "Sanctions: 100% of banks, 50_50 chance",
        "HELSINKI summit ends",
        "Heatwave grips Finland",
    ]
    assert titles(second) == ["Putin meets Trump in Helsinki", "World Cup final"]
    assert beyond.empty
    assert list(beyond.columns) == warehouse.analysis.browse.ARTICLE_COLUMNS
    assert total == total_again == total_beyond == 6


def test_like_wildcards_in_the_search_text_are_plain_characters(corpus):
    _, percent = warehouse.search_articles(corpus, text="100%")
    _, underscore = warehouse.search_articles(corpus, text="50_50")
    _, bare_percent = warehouse.search_articles(corpus, text="%")
    _, wildcard_pattern = warehouse.search_articles(corpus, text="h_lsinki")

    assert (percent, underscore, bare_percent, wildcard_pattern) == (1, 1, 1, 0)


@pytest.mark.parametrize(
    "text",
    [
        "'; DROP TABLE articles; --",
        "' OR '1'='1",
        '" OR 1=1 --',
        "$text",
        "helsinki') OR (1=1",
    ],
)
def test_sql_looking_search_text_is_just_text_and_harms_nothing(corpus, text):
    found, total = warehouse.search_articles(corpus, text=text)

    assert found.empty
    assert total == 0
    _, everything = warehouse.search_articles(corpus)
    assert everything == 6


def test_sql_looking_outlet_names_are_just_text(corpus):
    _, total = warehouse.search_articles(corpus, source="Outlet A' OR '1'='1")

    assert total == 0


def test_search_rejects_a_page_size_outside_its_bounds(corpus):
    with pytest.raises(warehouse.WarehouseError):
        warehouse.search_articles(corpus, limit=0)
    with pytest.raises(warehouse.WarehouseError):
        warehouse.search_articles(corpus, offset=-1)


def test_source_volume_counts_articles_per_outlet_in_range_busiest_first(corpus):
    volume = warehouse.source_volume(corpus, start=date(2018, 7, 16), end=date(2018, 7, 17))

    # Outlet A: a1, a2 (16th), a4 (17th); Outlet B: b1 (16th); a3 and b2 fall outside.
    assert volume.to_dict("records") == [
        {"source": "Outlet A", "articles": 3},
        {"source": "Outlet B", "articles": 1},
    ]


def test_an_outlet_with_nothing_in_range_still_shows_with_zero(corpus):
    volume = warehouse.source_volume(corpus, start=date(2018, 7, 18), end=date(2018, 7, 18))

    assert volume.to_dict("records") == [
        {"source": "Outlet B", "articles": 1},
        {"source": "Outlet A", "articles": 0},
    ]


def test_share_of_voice_is_articles_mentioning_over_the_outlets_articles(corpus):
    shares = warehouse.share_of_voice(corpus, ["trump", "putin"], start=date(2018, 7, 15), end=date(2018, 7, 18))

    # Outlet A has 4 articles in range: Trump in a1; Putin in a1 and a2.
    # Outlet B has 2: Trump in b1; Putin in none.
    assert shares.to_dict("records") == [
        {"source": "Outlet A", "entity_id": "trump", "articles": 1, "total_articles": 4, "share": 0.25},
        {"source": "Outlet A", "entity_id": "putin", "articles": 2, "total_articles": 4, "share": 0.5},
        {"source": "Outlet B", "entity_id": "trump", "articles": 1, "total_articles": 2, "share": 0.5},
        {"source": "Outlet B", "entity_id": "putin", "articles": 0, "total_articles": 2, "share": 0.0},
    ]


def test_share_of_voice_of_an_outlet_without_articles_in_range_is_zero(corpus):
    shares = warehouse.share_of_voice(corpus, ["trump"], start=date(2018, 7, 18), end=date(2018, 7, 18))

    assert shares.to_dict("records") == [
        {"source": "Outlet A", "entity_id": "trump", "articles": 0, "total_articles": 0, "share": 0.0},
        {"source": "Outlet B", "entity_id": "trump", "articles": 0, "total_articles": 1, "share": 0.0},
    ]


def test_share_of_voice_of_no_entities_is_an_empty_frame(corpus):
    shares = warehouse.share_of_voice(corpus, [], start=date(2018, 7, 15), end=date(2018, 7, 18))

    assert shares.empty
    assert list(shares.columns) == ["source", "entity_id", "articles", "total_articles", "share"]


def test_share_of_voice_rejects_unknown_entities(corpus):
    with pytest.raises(warehouse.UnknownEntity):
        warehouse.share_of_voice(corpus, ["nobody"], start=date(2018, 7, 15), end=date(2018, 7, 18))


def test_untrusted_dates_are_outside_every_range_but_still_searchable(fresh_warehouse):
    warehouse.store_articles(
        fresh_warehouse,
        "Outlet A",
        [article("f1", "Putin in the future", "", at("2031-01-01T00:00"))],
        fetched_at=at("2018-07-18T00:00"),
    )

    _, anywhere = warehouse.search_articles(fresh_warehouse, text="future")
    _, in_2031 = warehouse.search_articles(fresh_warehouse, text="future", start=date(2030, 1, 1))
    volume = warehouse.source_volume(fresh_warehouse, start=date(2030, 1, 1), end=date(2032, 1, 1))

    assert (anywhere, in_2031) == (1, 0)
    assert volume.to_dict("records") == [{"source": "Outlet A", "articles": 0}]
