"""Writing articles: identity, date quality, idempotent insert, tally on arrival (the fetch log: fetch_log.py).

Storing is idempotent: an article already stored for its outlet (same identity) is
skipped, so re-ingesting a feed, an archive or the demo history adds nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from itertools import islice

import duckdb
import pandas as pd

from warehouse.clock import to_stored, utc_now
from warehouse.db import Warehouse
from warehouse.identity import distinct_articles, identity_key
from warehouse.registry import source_id_for
from warehouse.rows import DateQuality, FetchedArticle
from warehouse.tally import stored_watchlist, tally_new_articles

__all__ = ["date_quality", "identity_key", "store_articles"]

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


def _article_frame(articles: Sequence[FetchedArticle], fetched_at: datetime) -> pd.DataFrame:
    incoming = list(distinct_articles(articles, fetched_at=fetched_at))
    return pd.DataFrame(
        {
            "identity_key": pd.Series([item.identity_key for item in incoming], dtype="object"),
            "guid": pd.Series([item.article.guid for item in incoming], dtype="object"),
            "url": pd.Series([item.article.url for item in incoming], dtype="object"),
            "title": pd.Series([item.article.title for item in incoming], dtype="object"),
            "summary": pd.Series([item.article.summary for item in incoming], dtype="object"),
            "published_at": pd.Series(
                [to_stored(item.article.published_at or fetched_at) for item in incoming], dtype="datetime64[us]"
            ),
            "date_quality": pd.Series(
                [date_quality(item.article.published_at, fetched_at).value for item in incoming], dtype="object"
            ),
            "syndication_key": pd.Series([item.syndication_key for item in incoming], dtype="object"),
            "dedupe_by_title": pd.Series([item.dedupe_by_title for item in incoming], dtype="bool"),
        }
    )


def insert_articles(
    connection: duckdb.DuckDBPyConnection,
    *,
    source_id: int,
    feed_id: int | None,
    articles: Sequence[FetchedArticle],
    fetched_at: datetime,
) -> int:
    """Insert the articles not yet stored for this outlet and tally them; returns how many were new."""
    if not articles:
        return 0
    frame = _article_frame(articles, fetched_at)
    connection.register("incoming_articles", frame)
    try:
        inserted = connection.execute(
            """
            INSERT INTO articles (source_id, feed_id, identity_key, guid, url, title, summary,
                                  published_at, date_quality, fetched_at, syndication_key)
            SELECT ?, ?, i.identity_key, i.guid, i.url, i.title, i.summary, i.published_at, i.date_quality, ?,
                   i.syndication_key
            FROM incoming_articles i
            WHERE NOT EXISTS (
                SELECT 1 FROM articles a WHERE a.source_id = ? AND a.identity_key = i.identity_key
            )
            AND NOT EXISTS (  -- the same-title rule of warehouse.identity
                SELECT 1 FROM articles a
                WHERE i.dedupe_by_title AND a.source_id = ? AND a.syndication_key = i.syndication_key
                  AND a.published_at BETWEEN i.published_at - INTERVAL 7 DAY AND i.published_at + INTERVAL 7 DAY
            )
            RETURNING article_id, title, summary
            """,
            [source_id, feed_id, to_stored(fetched_at), source_id, source_id],
        ).fetchall()
    finally:
        connection.unregister("incoming_articles")
    watchlist = stored_watchlist(connection)
    if watchlist is not None and inserted:
        tally_new_articles(connection, watchlist, inserted)
    return len(inserted)


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
