"""The one way in: `store_intake` takes fetches and documents together; ids need nobody's permission."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb

import warehouse
from tests.conftest import article
from warehouse.engine.db import migrate
from warehouse.engine.ids import next_ids
from warehouse.intake.identity import article_id_of

FETCHED = datetime(2018, 7, 16, 13, 0, tzinfo=UTC)
SOON = FETCHED + timedelta(minutes=10)
LATER = FETCHED + timedelta(hours=6)
PLANS = warehouse.FeedPlans(if_new=warehouse.FeedPlan(SOON), if_none=warehouse.FeedPlan(LATER))


def _fetch(feed_id: int, *articles: warehouse.FetchedArticle) -> warehouse.FetchArrival:
    result = warehouse.FetchResult(
        feed_id=feed_id,
        started_at=FETCHED,
        outcome=warehouse.FetchOutcome.NEW_CONTENT,
        duration_ms=5,
        status_code=200,
        articles=tuple(articles),
        items_seen=len(articles),
    )
    return warehouse.FetchArrival(result, PLANS)


def test_fetches_and_documents_are_stored_together_and_each_gets_its_count(fresh_warehouse):
    feed = warehouse.add_feed(fresh_warehouse, "https://herald.example/rss", source_name="Herald")
    document = warehouse.FeedDocument("Gazette", [article("g1", "Putin"), article("g2", "Trump")], FETCHED)
    counts = warehouse.store_intake(fresh_warehouse, [_fetch(feed.feed_id, article("h1", "Putin")), document])
    assert counts == [1, 2]
    # Replayed whole, nothing is new: the ids are the same and the stored rows are found.
    assert warehouse.store_intake(fresh_warehouse, [_fetch(feed.feed_id, article("h1", "Putin")), document]) == [0, 0]
    assert warehouse.corpus_facts(fresh_warehouse).articles == 3


def test_the_warehouse_picks_the_fetchers_plan_by_whether_anything_was_new(fresh_warehouse):
    feed = warehouse.add_feed(fresh_warehouse, "https://herald.example/rss", source_name="Herald")
    warehouse.store_intake(fresh_warehouse, [_fetch(feed.feed_id, article("h1", "Putin"))])
    assert warehouse.get_feed(fresh_warehouse, feed.feed_id).next_fetch_at == SOON
    warehouse.store_intake(fresh_warehouse, [_fetch(feed.feed_id, article("h1", "Putin"))])
    assert warehouse.get_feed(fresh_warehouse, feed.feed_id).next_fetch_at == LATER


def test_an_article_id_is_computed_from_its_outlet_and_identity():
    first = article_id_of(3, "guid:abc")
    assert first == article_id_of(3, "guid:abc")
    assert 0 < first < 2**63
    assert len({first, article_id_of(4, "guid:abc"), article_id_of(3, "guid:abd")}) == 3


def test_stored_articles_carry_their_computed_ids(fresh_warehouse):
    warehouse.store_articles(fresh_warehouse, "Herald", [article("h1", "Putin")])
    with fresh_warehouse.reading() as connection:
        source_id, key, stored_id = connection.execute(
            "SELECT source_id, identity_key, article_id FROM articles"
        ).fetchall()[0]
    assert stored_id == article_id_of(source_id, key)


def test_ids_come_from_the_files_sequence():
    connection = duckdb.connect()
    migrate(connection)
    assert next_ids(connection, "feed_ids", 2) == [1, 2]
    assert next_ids(connection, "feed_ids", 1) == [3]


def test_without_sequences_ids_are_counted_in_lake_sequences_and_never_reused():
    # A lake's tables: no sequences; the counter lives in lake_sequences.
    connection = duckdb.connect()
    connection.execute("CREATE TABLE feeds (feed_id INTEGER)")
    connection.execute("CREATE TABLE lake_sequences (sequence_name VARCHAR NOT NULL, last_value BIGINT)")
    connection.execute("INSERT INTO lake_sequences VALUES ('feed_ids', 4)")  # what an imported file had handed out
    assert next_ids(connection, "feed_ids", 2) == [5, 6]
    connection.execute("INSERT INTO feeds VALUES (5), (6)")
    connection.execute("DELETE FROM feeds WHERE feed_id = 6")
    assert next_ids(connection, "feed_ids", 1) == [7]
    # A table holding more than the counter says (rows copied in by hand) is not overtaken.
    connection.execute("INSERT INTO feeds VALUES (40)")
    assert next_ids(connection, "feed_ids", 1) == [41]
    assert connection.execute("SELECT count(*) FROM lake_sequences").fetchone() == (1,)


def test_a_feed_list_is_registered_in_one_go_and_again_adds_nothing(fresh_warehouse):
    entries = [
        warehouse.FeedListEntry(
            "Herald", "https://herald.example/rss", homepage="https://herald.example", country="us"
        ),
        warehouse.FeedListEntry("Herald", "https://herald.example/world.rss", title="World"),
        warehouse.FeedListEntry("Gazette", "https://gazette.example/atom"),
        warehouse.FeedListEntry("Gazette", "https://gazette.example/atom"),  # listed twice
    ]
    assert warehouse.add_feeds(fresh_warehouse, entries) == 3
    assert warehouse.add_feeds(fresh_warehouse, entries) == 0
    feeds = warehouse.list_feeds(fresh_warehouse)
    assert sorted((feed.source_name, feed.url, feed.title) for feed in feeds) == [
        ("Gazette", "https://gazette.example/atom", ""),
        ("Herald", "https://herald.example/rss", ""),
        ("Herald", "https://herald.example/world.rss", "World"),
    ]
    herald = next(source for source in warehouse.list_sources(fresh_warehouse) if source.name == "Herald")
    assert (herald.homepage, herald.country) == ("https://herald.example", "us")
