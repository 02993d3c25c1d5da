"""Recording a fetch: its new articles, its row in the fetch log, and the feed's new state, all at once.

One transaction per fetch, so a crash leaves either the whole fetch (articles,
log row, validators, next fetch time) or none of it: a half-recorded fetch could
otherwise store articles under validators that say they were never seen.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import duckdb

from warehouse.clock import to_stored
from warehouse.db import Warehouse, fetch_one
from warehouse.errors import UnknownFeed
from warehouse.rows import FeedPlan, FetchOutcome, FetchResult
from warehouse.store import insert_articles

__all__ = ["move_feed", "record_fetch", "record_fetches"]

logger = logging.getLogger(__name__)

_SUCCESSFUL = frozenset({FetchOutcome.NEW_CONTENT, FetchOutcome.NOT_MODIFIED, FetchOutcome.PARTIAL})
_NOT_MODIFIED_STATUS = 304

_FEED_SOURCE = "SELECT source_id FROM feeds WHERE feed_id = ?"
_FEED_WITH_URL = "SELECT feed_id FROM feeds WHERE url = ? AND feed_id <> ?"
_INSERT_FETCH = """
    INSERT INTO fetches (feed_id, started_at, outcome, status_code, bytes_received, items_seen,
                         items_new, duration_ms, error, moved_to)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
# A 304 extends the run of 304s (keeping when it began); any 200 ends it.
_AFTER_SUCCESS = """
    UPDATE feeds SET consecutive_failures = 0, last_success_at = ?, last_error = ?,
        etag = coalesce(?, etag), last_modified = coalesce(?, last_modified),
        content_hash = coalesce(?, content_hash), next_fetch_at = ?,
        poll_interval_seconds = coalesce(?, poll_interval_seconds),
        not_modified_since = CASE WHEN ? THEN coalesce(not_modified_since, ?) ELSE NULL END
    WHERE feed_id = ?
"""
_AFTER_FAILURE = """
    UPDATE feeds SET consecutive_failures = consecutive_failures + 1, last_error = ?, next_fetch_at = ?,
        poll_interval_seconds = coalesce(?, poll_interval_seconds)
    WHERE feed_id = ?
"""
_DISABLE = "UPDATE feeds SET enabled = false, disabled_reason = ? WHERE feed_id = ?"
_MOVE = "UPDATE feeds SET url = ? WHERE feed_id = ?"

Planner = Callable[[int], FeedPlan]


def record_fetch(wh: Warehouse, result: FetchResult, *, plan: Planner | FeedPlan) -> int:
    """Store one fetch in one transaction; returns how many of its articles were new.

    `plan` says when to fetch again and whether to disable the feed. It may be a
    function of the number of new articles, since how busy a feed is decides its
    interval and only the warehouse knows which articles are new. A permanent
    redirect moves the feed to its new URL, unless another feed has that URL
    already: then this one is disabled, saying which feed it duplicates.
    """
    return record_fetches(wh, [(result, plan)])[0]


def record_fetches(wh: Warehouse, fetches: Sequence[tuple[FetchResult, Planner | FeedPlan]]) -> list[int]:
    """Store many fetches in one transaction, as `record_fetch` stores one; returns the new counts in order.

    A fetcher that records a pass's fetches in a few transactions instead of one
    each spends its time fetching rather than opening and committing the file.
    All or none: an unknown feed id fails the whole call.
    """
    if not fetches:
        return []
    with wh.writing() as connection:
        return [_record(connection, result, plan) for result, plan in fetches]


def _record(connection: duckdb.DuckDBPyConnection, result: FetchResult, plan: Planner | FeedPlan) -> int:
    succeeded = result.outcome in _SUCCESSFUL
    row = fetch_one(connection.execute(_FEED_SOURCE, [result.feed_id]))
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
    decided = plan(new) if callable(plan) else plan
    connection.execute(
        _INSERT_FETCH,
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
            result.moved_to,
        ],
    )
    if succeeded:
        connection.execute(
            _AFTER_SUCCESS,
            [
                to_stored(result.started_at),
                result.error,
                result.etag,
                result.last_modified,
                result.content_hash,
                to_stored(decided.next_fetch_at),
                decided.poll_interval_seconds,
                result.status_code == _NOT_MODIFIED_STATUS,
                to_stored(result.started_at),
                result.feed_id,
            ],
        )
    else:
        connection.execute(
            _AFTER_FAILURE,
            [
                result.error or result.outcome.value,
                to_stored(decided.next_fetch_at),
                decided.poll_interval_seconds,
                result.feed_id,
            ],
        )
    disabled_reason = decided.disabled_reason
    if result.moved_to and succeeded:
        disabled_reason = _move(connection, result.feed_id, result.moved_to) or disabled_reason
    if disabled_reason:
        connection.execute(_DISABLE, [disabled_reason, result.feed_id])
        logger.warning("feed %d disabled: %s", result.feed_id, disabled_reason)
    return new


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
