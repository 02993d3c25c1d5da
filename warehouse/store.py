"""Writing articles: identity, date quality, idempotent insert, tally on arrival, the fetch log.

Storing is idempotent: an article already stored for its outlet (same identity) is
skipped, so re-ingesting a feed, an archive or the demo history adds nothing.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from itertools import islice

import duckdb
import pandas as pd

from warehouse.clock import to_stored, utc_now
from warehouse.db import Warehouse, fetch_one
from warehouse.errors import UnknownFeed
from warehouse.registry import source_id_for
from warehouse.rows import DateQuality, FetchedArticle, FetchOutcome, FetchResult
from warehouse.tally import insert_mentions, mention_rows, stored_watchlist

__all__ = ["date_quality", "identity_key", "record_fetch", "store_articles"]

logger = logging.getLogger(__name__)

_EARLIEST_TRUSTED = datetime(1990, 1, 1, tzinfo=UTC)
_FUTURE_TOLERANCE = timedelta(days=1)
_SUCCESSFUL = {FetchOutcome.NEW_CONTENT, FetchOutcome.NOT_MODIFIED, FetchOutcome.PARTIAL}


def identity_key(article: FetchedArticle) -> str:
    """What makes an article the same story within its outlet: guid, else link, else title and date."""
    if article.guid:
        return f"guid:{article.guid}"
    if article.url:
        return f"url:{article.url}"
    stamp = article.published_at.isoformat() if article.published_at else ""
    digest = hashlib.sha256(f"{article.title}\n{stamp}".encode()).hexdigest()[:32]
    return f"hash:{digest}"


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
    keys, guids, urls, titles, summaries, published, qualities = [], [], [], [], [], [], []
    seen: set[str] = set()
    for article in articles:
        key = identity_key(article)
        if key in seen:  # the same story twice in one batch
            continue
        seen.add(key)
        quality = date_quality(article.published_at, fetched_at)
        keys.append(key)
        guids.append(article.guid)
        urls.append(article.url)
        titles.append(article.title)
        summaries.append(article.summary)
        published.append(to_stored(article.published_at or fetched_at))
        qualities.append(quality.value)
    return pd.DataFrame(
        {
            "identity_key": pd.Series(keys, dtype="object"),
            "guid": pd.Series(guids, dtype="object"),
            "url": pd.Series(urls, dtype="object"),
            "title": pd.Series(titles, dtype="object"),
            "summary": pd.Series(summaries, dtype="object"),
            "published_at": pd.Series(published, dtype="datetime64[us]"),
            "date_quality": pd.Series(qualities, dtype="object"),
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
                                  published_at, date_quality, fetched_at)
            SELECT ?, ?, i.identity_key, i.guid, i.url, i.title, i.summary, i.published_at, i.date_quality, ?
            FROM incoming_articles i
            WHERE NOT EXISTS (
                SELECT 1 FROM articles a WHERE a.source_id = ? AND a.identity_key = i.identity_key
            )
            RETURNING article_id, title, summary
            """,
            [source_id, feed_id, to_stored(fetched_at), source_id],
        ).fetchall()
    finally:
        connection.unregister("incoming_articles")
    watchlist = stored_watchlist(connection)
    if watchlist is not None and inserted:
        insert_mentions(connection, mention_rows(watchlist, inserted))
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


def record_fetch(wh: Warehouse, result: FetchResult, *, next_fetch_at: datetime) -> int:
    """Store one fetch in one transaction: its new articles, its log row and the feed's new state."""
    succeeded = result.outcome in _SUCCESSFUL
    with wh.writing() as connection:
        row = fetch_one(connection.execute("SELECT source_id FROM feeds WHERE feed_id = ?", [result.feed_id]))
        if row is None:
            raise UnknownFeed(f"no feed with id {result.feed_id}")
        new = 0
        if succeeded and result.articles:
            new = insert_articles(
                connection,
                source_id=int(row[0]),
                feed_id=result.feed_id,
                articles=result.articles,
                fetched_at=result.started_at,
            )
        connection.execute(
            "INSERT INTO fetches (feed_id, started_at, outcome, status_code, bytes_received, items_seen,"
            " items_new, duration_ms, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                result.feed_id,
                to_stored(result.started_at),
                result.outcome.value,
                result.status_code,
                result.bytes_received,
                result.items_seen,
                new,
                result.duration_ms,
                result.error,
            ],
        )
        if succeeded:
            connection.execute(
                "UPDATE feeds SET consecutive_failures = 0, last_success_at = ?, last_error = ?,"
                " etag = coalesce(?, etag), last_modified = coalesce(?, last_modified),"
                " content_hash = coalesce(?, content_hash), next_fetch_at = ? WHERE feed_id = ?",
                [
                    to_stored(result.started_at),
                    result.error,
                    result.etag,
                    result.last_modified,
                    result.content_hash,
                    to_stored(next_fetch_at),
                    result.feed_id,
                ],
            )
        else:
            connection.execute(
                "UPDATE feeds SET consecutive_failures = consecutive_failures + 1, last_error = ?,"
                " next_fetch_at = ? WHERE feed_id = ?",
                [result.error or result.outcome.value, to_stored(next_fetch_at), result.feed_id],
            )
    return new
