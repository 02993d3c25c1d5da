"""Storing documents prepared elsewhere: keyed in a parser process, stored exactly as the documents themselves."""

from __future__ import annotations

import pickle
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import warehouse
from tests.conftest import SHIPPED_WATCHLIST
from warehouse.counting.watchlist import parse_watchlist
from warehouse.rows import FetchedArticle

FETCHED = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
HOMEPAGE = "https://daily.example"

# Small pools, so documents share guids, links and titles the way snapshots of one feed do.
GUIDS = ["", "", "g-1", "g-2", "g-3"]
URLS = ["", HOMEPAGE, "https://daily.example/a", "https://daily.example/b"]
TITLES = ["", "Putin meets Xi in Beijing", "PUTIN meets Xi, in Beijing!", "Briefing", "Trump speaks to reporters"]
SUMMARIES = ["", "Talks on trade.", "Macron and NATO"]
DATES = [
    None,
    FETCHED - timedelta(hours=3),
    FETCHED - timedelta(days=3),
    FETCHED - timedelta(days=9),
    FETCHED + timedelta(days=3),  # in the future
    datetime(1970, 1, 1, tzinfo=UTC),  # before 1990
]

articles = st.builds(
    FetchedArticle,
    guid=st.sampled_from(GUIDS),
    url=st.sampled_from(URLS),
    title=st.sampled_from(TITLES),
    summary=st.sampled_from(SUMMARIES),
    published_at=st.sampled_from(DATES),
).filter(lambda article: bool(article.title or article.summary))

documents = st.lists(
    st.builds(
        warehouse.FeedDocument,
        source_name=st.sampled_from(["Daily", "Gazette"]),
        articles=st.lists(articles, max_size=8),
        fetched_at=st.sampled_from([FETCHED, FETCHED - timedelta(days=2)]),
    ),
    min_size=1,
    max_size=6,
)


def stored_rows(wh: warehouse.Warehouse) -> tuple[list[tuple], list[tuple]]:
    """Every article (all stored columns) and every mention, in a fixed order."""
    with wh.reading() as connection:
        articles = connection.execute(
            "SELECT s.name, a.identity_key, a.guid, a.url, a.title, a.summary, a.published_at, a.date_quality,"
            " a.fetched_at, a.syndication_key FROM articles a JOIN sources s USING (source_id) ORDER BY a.article_id"
        ).fetchall()
        mentions = connection.execute(
            "SELECT a.identity_key, m.entity_id, m.occurrences, m.in_title FROM mentions m"
            " JOIN articles a USING (article_id) ORDER BY a.article_id, m.entity_id"
        ).fetchall()
    return articles, mentions


def prepared_in_another_process(document: warehouse.FeedDocument) -> warehouse.PreparedDocument:
    """What the archive's parser processes hand over: the prepared document after a pickle round trip."""
    return pickle.loads(pickle.dumps(warehouse.prepare_document(document)))


@settings(max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(documents, min_size=1, max_size=3))
def test_a_prepared_document_is_stored_exactly_as_the_document_it_came_from(groups):
    with tempfile.TemporaryDirectory() as folder:
        as_given = warehouse.open_warehouse(Path(folder) / "given.duckdb", watchlist_path=SHIPPED_WATCHLIST)
        as_prepared = warehouse.open_warehouse(Path(folder) / "prepared.duckdb", watchlist_path=SHIPPED_WATCHLIST)
        for group in groups:
            counts = warehouse.store_documents(as_given, group)
            prepared = [prepared_in_another_process(document) for document in group]
            assert warehouse.store_documents(as_prepared, prepared) == counts
        assert stored_rows(as_prepared) == stored_rows(as_given)
        assert warehouse.store_documents(as_prepared, prepared) == [0] * len(prepared), "storing again adds nothing"


# A watchlist other than the stored one: mentions found with it must not be stored.
EDITED_WATCHLIST = parse_watchlist(
    '[[leader]]\nid = "putin"\nname = "Vladimir Putin"\naliases = ["Beijing"]\n', origin="edited"
)


@settings(max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(documents, min_size=1, max_size=3), st.sampled_from(["stored", "edited"]))
def test_mentions_found_where_a_document_was_parsed_are_stored_only_if_the_warehouse_would_find_the_same(
    groups, found_with
):
    with tempfile.TemporaryDirectory() as folder:
        as_given = warehouse.open_warehouse(Path(folder) / "given.duckdb", watchlist_path=SHIPPED_WATCHLIST)
        as_prepared = warehouse.open_warehouse(Path(folder) / "prepared.duckdb", watchlist_path=SHIPPED_WATCHLIST)
        watchlist = warehouse.current_watchlist(as_prepared) if found_with == "stored" else EDITED_WATCHLIST
        for group in groups:
            counts = warehouse.store_documents(as_given, group)
            prepared = [
                pickle.loads(pickle.dumps(warehouse.prepare_document(document, watchlist=watchlist)))
                for document in group
            ]
            assert all(document.articles.mentions is not None for document in prepared)
            assert warehouse.store_documents(as_prepared, prepared) == counts
        assert stored_rows(as_prepared) == stored_rows(as_given)


def test_a_prepared_document_keeps_each_story_of_the_document_once():
    document = warehouse.FeedDocument(
        "Daily",
        [
            FetchedArticle("g-1", "https://daily.example/a", "Putin meets Xi in Beijing", "", FETCHED),
            FetchedArticle("g-1", "https://daily.example/a", "Putin meets Xi in Beijing", "", FETCHED),  # repeated
            FetchedArticle("", HOMEPAGE, "Trump speaks to reporters", "", FETCHED),
            FetchedArticle("", HOMEPAGE, "PUTIN meets Xi, in Beijing!", "", FETCHED),  # same title, no guid
        ],
        FETCHED,
    )

    prepared = warehouse.prepare_document(document)

    assert len(prepared.articles) == 2
    assert prepared.articles.identity_keys[0] == "guid:g-1"
    assert prepared.articles.identity_keys[1].startswith("hash:"), "a link two titles share identifies neither"
    assert prepared.articles.dedupe_by_title == [False, True]


def test_preparing_to_store_leaves_a_warehouse_not_yet_created_alone(tmp_path: Path):
    wh = warehouse.Warehouse(tmp_path / "not-yet.duckdb")

    warehouse.prepare_storing(wh)

    assert not wh.exists()
