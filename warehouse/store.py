"""Writing articles: identity, date quality, idempotent insert, tally on arrival (the fetch log: fetch_log.py).

Storing is idempotent: an article already stored for its outlet (same identity) is
skipped, so re-ingesting a feed, an archive or the demo history adds nothing.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import islice

import duckdb
import pyarrow as pa

from warehouse.clock import to_stored, utc_now
from warehouse.db import Warehouse
from warehouse.identity import SAME_TITLE_WINDOW, IncomingArticle, distinct_articles, identity_key
from warehouse.registry import source_id_for
from warehouse.rollups import add_to_rollups, has_rollups
from warehouse.rows import DateQuality, FetchedArticle
from warehouse.tally import stored_watchlist, tally_new_articles

__all__ = ["ArticleBatch", "date_quality", "identity_key", "insert_batches", "store_articles"]

logger = logging.getLogger(__name__)

_EARLIEST_TRUSTED = datetime(1990, 1, 1, tzinfo=UTC)
_FUTURE_TOLERANCE = timedelta(days=1)


def date_quality(published_at: datetime | None, fetched_at: datetime) -> DateQuality:
    """Whether a date can be used for bucketing; bad dates are the classic source of fake spikes."""
    if published_at is None:
        return DateQuality.MISSING
    if published_at > fetched_at + _FUTURE_TOLERANCE:
        return DateQuality.FUTURE
    if published_at < _EARLIEST_TRUSTED:
        return DateQuality.ANCIENT
    return DateQuality.OK


@dataclass(frozen=True)
class ArticleBatch:
    """One document's articles, bound for one outlet (and the feed they came through, if any)."""

    source_id: int
    feed_id: int | None
    articles: Sequence[FetchedArticle]
    fetched_at: datetime  # UTC; stands in for missing item dates


# Only the stored rows that could collide with the incoming ones are read back.
_STORED_IDENTITIES = """
    SELECT a.source_id, a.identity_key FROM articles a
    SEMI JOIN incoming_identities i ON a.source_id = i.source_id AND a.identity_key = i.identity_key
"""
# Only stored titles near an incoming one in time can make it a repeat: an outlet's
# recurring headline ("Morning briefing") may have thousands of stored copies.
_STORED_TITLES = """
    SELECT a.source_id, a.syndication_key, a.published_at FROM articles a
    SEMI JOIN incoming_titles t ON a.source_id = t.source_id AND a.syndication_key = t.syndication_key
        AND a.published_at BETWEEN t.published_at - $window AND t.published_at + $window
"""
_INSERT = """
    INSERT INTO articles (source_id, feed_id, identity_key, guid, url, title, summary,
                          published_at, date_quality, fetched_at, syndication_key)
    SELECT source_id, feed_id, identity_key, guid, url, title, summary,
           published_at, date_quality, fetched_at, syndication_key
    FROM incoming_articles
    RETURNING article_id, title, summary
"""
_ARTICLE_COLUMNS = {
    "source_id": pa.int32(),
    "feed_id": pa.int32(),
    "identity_key": pa.string(),
    "guid": pa.string(),
    "url": pa.string(),
    "title": pa.string(),
    "summary": pa.string(),
    "published_at": pa.timestamp("us"),
    "date_quality": pa.string(),
    "fetched_at": pa.timestamp("us"),
    "syndication_key": pa.string(),
}


def insert_batches(connection: duckdb.DuckDBPyConnection, batches: Sequence[ArticleBatch]) -> list[int]:
    """Insert the articles not yet stored for their outlets and tally them; returns each batch's new count.

    The result is what storing the batches one after another would give: an article
    is new unless its outlet already has its identity, or (for one without a guid)
    the same title within `SAME_TITLE_WINDOW`, stored or earlier in these batches.
    Deciding in Python against just the colliding stored rows, then inserting every
    new row in one statement, costs one round trip instead of one per document.
    """
    incoming = [
        (batch, item, to_stored(item.article.published_at or batch.fetched_at))
        for batch in batches
        if batch.articles
        for item in distinct_articles(batch.articles, fetched_at=batch.fetched_at)
    ]
    if not incoming:
        return [0] * len(batches)
    stored_identities, stored_titles = _colliding_rows(connection, incoming)
    counts = {id(batch): 0 for batch in batches}
    new_rows: list[tuple[ArticleBatch, IncomingArticle, datetime]] = []
    for batch, item, published_at in incoming:
        identity = (batch.source_id, item.identity_key)
        if identity in stored_identities:
            continue
        titles = stored_titles[(batch.source_id, item.syndication_key)] if item.syndication_key else []
        if item.dedupe_by_title and any(abs(published_at - other) <= SAME_TITLE_WINDOW for other in titles):
            continue
        stored_identities.add(identity)
        titles.append(published_at)
        new_rows.append((batch, item, published_at))
        counts[id(batch)] += 1
    if new_rows:
        _insert_and_tally(connection, new_rows)
    return [counts[id(batch)] for batch in batches]


def _colliding_rows(
    connection: duckdb.DuckDBPyConnection, incoming: Sequence[tuple[ArticleBatch, IncomingArticle, datetime]]
) -> tuple[set[tuple[int, str]], defaultdict[tuple[int, str], list[datetime]]]:
    identities = pa.table(
        {
            "source_id": pa.array([batch.source_id for batch, _, _ in incoming], pa.int32()),
            "identity_key": pa.array([item.identity_key for _, item, _ in incoming], pa.string()),
        }
    )
    titled = [
        (batch.source_id, item.syndication_key, published_at)
        for batch, item, published_at in incoming
        if item.syndication_key
    ]
    titles = pa.table(
        {
            "source_id": pa.array([source_id for source_id, _, _ in titled], pa.int32()),
            "syndication_key": pa.array([key for _, key, _ in titled], pa.string()),
            "published_at": pa.array([published_at for _, _, published_at in titled], pa.timestamp("us")),
        }
    )
    connection.register("incoming_identities", identities)
    connection.register("incoming_titles", titles)
    try:
        stored_identities = {
            (int(source_id), key) for source_id, key in connection.execute(_STORED_IDENTITIES).fetchall()
        }
        stored_titles: defaultdict[tuple[int, str], list[datetime]] = defaultdict(list)
        for source_id, key, published_at in connection.execute(
            _STORED_TITLES, {"window": SAME_TITLE_WINDOW}
        ).fetchall():
            stored_titles[(int(source_id), key)].append(published_at)
    finally:
        connection.unregister("incoming_identities")
        connection.unregister("incoming_titles")
    return stored_identities, stored_titles


def _insert_and_tally(
    connection: duckdb.DuckDBPyConnection, rows: Sequence[tuple[ArticleBatch, IncomingArticle, datetime]]
) -> None:
    values: dict[str, list] = {name: [] for name in _ARTICLE_COLUMNS}
    for batch, item, published_at in rows:
        article = item.article
        values["source_id"].append(batch.source_id)
        values["feed_id"].append(batch.feed_id)
        values["identity_key"].append(item.identity_key)
        values["guid"].append(article.guid)
        values["url"].append(article.url)
        values["title"].append(article.title)
        values["summary"].append(article.summary)
        values["published_at"].append(published_at)
        values["date_quality"].append(date_quality(article.published_at, batch.fetched_at).value)
        values["fetched_at"].append(to_stored(batch.fetched_at))
        values["syndication_key"].append(item.syndication_key)
    table = pa.table({name: pa.array(values[name], kind) for name, kind in _ARTICLE_COLUMNS.items()})
    connection.register("incoming_articles", table)
    try:
        inserted = connection.execute(_INSERT).fetchall()
    finally:
        connection.unregister("incoming_articles")
    watchlist = stored_watchlist(connection)
    if watchlist is not None and inserted:
        tally_new_articles(connection, watchlist, inserted)
    if inserted and has_rollups(connection):
        add_to_rollups(connection, [article_id for article_id, _, _ in inserted])


def insert_articles(
    connection: duckdb.DuckDBPyConnection,
    *,
    source_id: int,
    feed_id: int | None,
    articles: Sequence[FetchedArticle],
    fetched_at: datetime,
) -> int:
    """Insert the articles not yet stored for this outlet and tally them; returns how many were new."""
    (new,) = insert_batches(connection, [ArticleBatch(source_id, feed_id, articles, fetched_at)])
    return new


def _batches(items: Iterable[FetchedArticle], size: int) -> Iterator[list[FetchedArticle]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def store_articles(
    wh: Warehouse,
    source_name: str,
    articles: Iterable[FetchedArticle],
    *,
    fetched_at: datetime | None = None,
    is_demo: bool = False,
    batch_size: int = 50_000,
) -> int:
    """Store articles of one outlet that came without a registered feed (archives, demo history).

    Each batch is its own transaction, so a huge load never holds the writer lock for
    long and readers get in between batches.
    """
    moment = fetched_at or utc_now()
    new = 0
    for batch in _batches(articles, batch_size):
        with wh.writing() as connection:
            source_id = source_id_for(connection, source_name, is_demo=is_demo)
            new += insert_articles(connection, source_id=source_id, feed_id=None, articles=batch, fetched_at=moment)
    return new
