"""What a fetch leaves besides its articles: its row in the fetch log and the feed's new state.

Stored by `warehouse.intake.arrivals.store_intake` in the transaction that stores the
fetch's articles, so a crash leaves either the whole fetch (articles, log row,
validators, next fetch time) or none of it: a half-recorded fetch could otherwise
store articles under validators that say they were never seen.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import duckdb
import pyarrow as pa

from warehouse.engine.clock import to_stored
from warehouse.engine.db import Warehouse, fetch_one
from warehouse.engine.ids import next_ids
from warehouse.errors import UnknownFeed
from warehouse.intake.store import ArticleBatch, keyed_articles
from warehouse.rows import FeedPlan, FeedPlans, FetchArrival, FetchOutcome, FetchResult

__all__ = ["fetch_batches", "move_feed", "record_fetch_outcomes"]

logger = logging.getLogger(__name__)

_SUCCESSFUL = frozenset({FetchOutcome.NEW_CONTENT, FetchOutcome.NOT_MODIFIED, FetchOutcome.PARTIAL})
_NOT_MODIFIED_STATUS = 304

_FEED_SOURCE = "SELECT source_id FROM feeds WHERE feed_id = ?"
_FEED_SOURCES = "SELECT f.feed_id, f.source_id FROM feeds f SEMI JOIN recorded_feeds r ON f.feed_id = r.feed_id"
_FEED_WITH_URL = "SELECT feed_id FROM feeds WHERE url = ? AND feed_id <> ?"
_INSERT_FETCHES = """
    INSERT INTO fetches (fetch_id, feed_id, started_at, outcome, status_code, bytes_received, items_seen,
                         items_new, duration_ms, error, moved_to)
    SELECT fetch_id, feed_id, started_at, outcome, status_code, bytes_received, items_seen,
           items_new, duration_ms, error, moved_to
    FROM recorded_fetches
"""
# A 304 extends the run of 304s (keeping when it began); any 200 ends it.
_AFTER_SUCCESSES = """
    UPDATE feeds SET consecutive_failures = 0, last_success_at = s.started_at, last_error = s.error,
        etag = coalesce(s.etag, feeds.etag), last_modified = coalesce(s.last_modified, feeds.last_modified),
        content_hash = coalesce(s.content_hash, feeds.content_hash), next_fetch_at = s.next_fetch_at,
        claimed_by = NULL,
        poll_interval_seconds = coalesce(s.poll_interval_seconds, feeds.poll_interval_seconds),
        not_modified_since = CASE WHEN s.not_modified THEN coalesce(feeds.not_modified_since, s.started_at) END
    FROM fetch_successes s
    WHERE feeds.feed_id = s.feed_id
"""
_AFTER_FAILURES = """
    UPDATE feeds SET consecutive_failures = feeds.consecutive_failures + 1, last_error = s.error,
        next_fetch_at = s.next_fetch_at, claimed_by = NULL,
        poll_interval_seconds = coalesce(s.poll_interval_seconds, feeds.poll_interval_seconds)
    FROM fetch_failures s
    WHERE feeds.feed_id = s.feed_id
"""
_DISABLE = "UPDATE feeds SET enabled = false, disabled_reason = ? WHERE feed_id = ?"
_MOVE = "UPDATE feeds SET url = ? WHERE feed_id = ?"

def fetch_batches(connection: duckdb.DuckDBPyConnection, arrivals: Sequence[FetchArrival]) -> list[ArticleBatch]:
    """Each fetch's articles bound for its feed's outlet; raises UnknownFeed for a feed the warehouse lacks."""
    sources = _sources_of(connection, [arrival.result.feed_id for arrival in arrivals])
    return [_batch(arrival.result, sources[arrival.result.feed_id]) for arrival in arrivals]


def record_fetch_outcomes(
    connection: duckdb.DuckDBPyConnection, arrivals: Sequence[FetchArrival], new_counts: Sequence[int]
) -> None:
    """The fetches' rows in the fetch log and their feeds' new state, once their articles are stored.

    Each fetch's plan is picked by how many of its articles were new. A permanent
    redirect moves the feed to its new URL, unless another feed has that URL
    already: then this one is disabled, saying which feed it duplicates.
    """
    plans = [_plan(arrival.plan, new) for arrival, new in zip(arrivals, new_counts, strict=True)]
    results = [arrival.result for arrival in arrivals]
    _log(connection, results, new_counts)
    _update_feeds(connection, results, plans)
    for result, decided in zip(results, plans, strict=True):
        disabled_reason = decided.disabled_reason
        if result.moved_to and result.outcome in _SUCCESSFUL:
            disabled_reason = _move(connection, result.feed_id, result.moved_to) or disabled_reason
        if disabled_reason:
            connection.execute(_DISABLE, [disabled_reason, result.feed_id])
            logger.warning("feed %d disabled: %s", result.feed_id, disabled_reason)


def _plan(plan: FeedPlans | FeedPlan, new: int) -> FeedPlan:
    return plan.for_new(new) if isinstance(plan, FeedPlans) else plan


def _sources_of(connection: duckdb.DuckDBPyConnection, feed_ids: list[int]) -> dict[int, int]:
    """Each feed's outlet; raises UnknownFeed for a feed id the warehouse does not have."""
    connection.register("recorded_feeds", pa.table({"feed_id": pa.array(feed_ids, pa.int32())}))
    try:
        sources = dict(connection.execute(_FEED_SOURCES).fetchall())
    finally:
        connection.unregister("recorded_feeds")
    for feed_id in feed_ids:
        if feed_id not in sources:
            raise UnknownFeed(f"no feed with id {feed_id}")
    return sources


def _batch(result: FetchResult, source_id: int) -> ArticleBatch:
    """The fetch's articles for its outlet, keyed here unless a parser process did it; none from a failed fetch."""
    if result.outcome not in _SUCCESSFUL:
        keyed = keyed_articles((), fetched_at=result.started_at)
    elif result.keyed is not None:
        keyed = result.keyed
    else:
        keyed = keyed_articles(result.articles, fetched_at=result.started_at)
    return ArticleBatch(source_id, result.feed_id, keyed, result.started_at)


def _log(connection: duckdb.DuckDBPyConnection, results: Sequence[FetchResult], counts: Sequence[int]) -> None:
    """One fetch log row per fetch."""
    table = pa.table(
        {
            "fetch_id": pa.array(next_ids(connection, "fetch_ids", len(results)), pa.int64()),
            "feed_id": pa.array([result.feed_id for result in results], pa.int32()),
            "started_at": pa.array([to_stored(result.started_at) for result in results], pa.timestamp("us")),
            "outcome": pa.array([result.outcome.value for result in results], pa.string()),
            "status_code": pa.array([result.status_code for result in results], pa.int32()),
            "bytes_received": pa.array([result.bytes_received for result in results], pa.int64()),
            "items_seen": pa.array([result.items_seen for result in results], pa.int32()),
            "items_new": pa.array(list(counts), pa.int32()),
            "duration_ms": pa.array([result.duration_ms for result in results], pa.int32()),
            "error": pa.array([result.error for result in results], pa.string()),
            "moved_to": pa.array([result.moved_to for result in results], pa.string()),
        }
    )
    connection.register("recorded_fetches", table)
    try:
        connection.execute(_INSERT_FETCHES)
    finally:
        connection.unregister("recorded_fetches")


def _update_feeds(
    connection: duckdb.DuckDBPyConnection, results: Sequence[FetchResult], plans: Sequence[FeedPlan]
) -> None:
    """The feeds' state after their fetches: validators and times after a success, failure counts after not."""
    succeeded = [(result, plan) for result, plan in zip(results, plans, strict=True) if result.outcome in _SUCCESSFUL]
    failed = [(result, plan) for result, plan in zip(results, plans, strict=True) if result.outcome not in _SUCCESSFUL]
    if succeeded:
        table = pa.table(
            {
                "feed_id": pa.array([result.feed_id for result, _ in succeeded], pa.int32()),
                "started_at": pa.array([to_stored(result.started_at) for result, _ in succeeded], pa.timestamp("us")),
                "error": pa.array([result.error for result, _ in succeeded], pa.string()),
                "etag": pa.array([result.etag for result, _ in succeeded], pa.string()),
                "last_modified": pa.array([result.last_modified for result, _ in succeeded], pa.string()),
                "content_hash": pa.array([result.content_hash for result, _ in succeeded], pa.string()),
                "next_fetch_at": pa.array([to_stored(plan.next_fetch_at) for _, plan in succeeded], pa.timestamp("us")),
                "poll_interval_seconds": pa.array([plan.poll_interval_seconds for _, plan in succeeded], pa.int32()),
                "not_modified": pa.array(
                    [result.status_code == _NOT_MODIFIED_STATUS for result, _ in succeeded], pa.bool_()
                ),
            }
        )
        connection.register("fetch_successes", table)
        try:
            connection.execute(_AFTER_SUCCESSES)
        finally:
            connection.unregister("fetch_successes")
    if failed:
        table = pa.table(
            {
                "feed_id": pa.array([result.feed_id for result, _ in failed], pa.int32()),
                "error": pa.array([result.error or result.outcome.value for result, _ in failed], pa.string()),
                "next_fetch_at": pa.array([to_stored(plan.next_fetch_at) for _, plan in failed], pa.timestamp("us")),
                "poll_interval_seconds": pa.array([plan.poll_interval_seconds for _, plan in failed], pa.int32()),
            }
        )
        connection.register("fetch_failures", table)
        try:
            connection.execute(_AFTER_FAILURES)
        finally:
            connection.unregister("fetch_failures")


def move_feed(wh: Warehouse, feed_id: int, url: str) -> str | None:
    """Point a feed at its new URL; returns why it could not be moved, or None when it was.

    It cannot move onto a URL another feed already has; that one stays as it is.
    """
    with wh.writing() as connection:
        if fetch_one(connection.execute(_FEED_SOURCE, [feed_id])) is None:
            raise UnknownFeed(f"no feed with id {feed_id}")
        return _move(connection, feed_id, url)


def _move(connection: duckdb.DuckDBPyConnection, feed_id: int, url: str) -> str | None:
    other = fetch_one(connection.execute(_FEED_WITH_URL, [url, feed_id]))
    if other is not None:
        return f"permanently redirected to {url}, which is already feed {other[0]}"
    connection.execute(_MOVE, [url, feed_id])
    logger.info("feed %d moved to %s (permanent redirect)", feed_id, url)
    return None
