"""Outlets and their feeds: registering, listing, removing, and which feeds are due."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import duckdb
import pyarrow as pa

from warehouse.engine.clock import from_stored, to_stored, utc_now
from warehouse.engine.db import Warehouse, fetch_one
from warehouse.engine.ids import next_ids
from warehouse.errors import UnknownFeed
from warehouse.rows import Feed, FeedListEntry, Source

__all__ = [
    "add_feed",
    "add_feeds",
    "claim_due_feeds",
    "due_feeds",
    "enable_feed",
    "ensure_source",
    "get_feed",
    "list_feeds",
    "list_sources",
    "release_feeds",
    "remove_feed",
]

_FEED_COLUMNS = """
    f.feed_id, f.source_id, s.name, f.url, f.title, f.enabled, f.etag, f.last_modified, f.content_hash,
    f.next_fetch_at, f.last_success_at, f.last_error, f.consecutive_failures, f.disabled_reason,
    f.poll_interval_seconds, f.not_modified_since
"""
_FEEDS_QUERY = f"SELECT {_FEED_COLUMNS} FROM feeds f JOIN sources s USING (source_id)"


def _feed_from_row(row: tuple) -> Feed:
    return Feed(
        feed_id=row[0],
        source_id=row[1],
        source_name=row[2],
        url=row[3],
        title=row[4],
        enabled=row[5],
        etag=row[6],
        last_modified=row[7],
        content_hash=row[8],
        next_fetch_at=from_stored(row[9]),
        last_success_at=from_stored(row[10]),
        last_error=row[11],
        consecutive_failures=row[12],
        disabled_reason=row[13],
        poll_interval_seconds=row[14],
        not_modified_since=from_stored(row[15]),
    )


def source_id_for(
    connection: duckdb.DuckDBPyConnection,
    name: str,
    *,
    homepage: str = "",
    country: str = "",
    language: str = "",
    is_demo: bool = False,
) -> int:
    """The id of the outlet called `name`, creating it if new (inside the caller's transaction)."""
    row = fetch_one(connection.execute("SELECT source_id FROM sources WHERE name = ?", [name]))
    if row is not None:
        return int(row[0])
    (source_id,) = next_ids(connection, "source_ids", 1)
    connection.execute(
        "INSERT INTO sources (source_id, name, homepage, country, language, is_demo) VALUES (?, ?, ?, ?, ?, ?)",
        [source_id, name, homepage, country, language, is_demo],
    )
    return source_id


def ensure_source(
    wh: Warehouse,
    name: str,
    *,
    homepage: str = "",
    country: str = "",
    language: str = "",
    is_demo: bool = False,
) -> int:
    """The id of the outlet called `name`, created if new."""
    with wh.writing() as connection:
        return source_id_for(connection, name, homepage=homepage, country=country, language=language, is_demo=is_demo)


def add_feed(wh: Warehouse, url: str, *, source_name: str, title: str = "", is_demo: bool = False) -> Feed:
    """Register a feed of an outlet; registering the same URL again returns the existing feed."""
    with wh.writing() as connection:
        existing = fetch_one(connection.execute(f"{_FEEDS_QUERY} WHERE f.url = ?", [url]))
        if existing is not None:
            return _feed_from_row(existing)
        source_id = source_id_for(connection, source_name, is_demo=is_demo)
        (feed_id,) = next_ids(connection, "feed_ids", 1)
        connection.execute(
            "INSERT INTO feeds (feed_id, source_id, url, title, added_at) VALUES (?, ?, ?, ?, ?)",
            [feed_id, source_id, url, title, to_stored(utc_now())],
        )
        created = fetch_one(connection.execute(f"{_FEEDS_QUERY} WHERE f.feed_id = ?", [feed_id]))
        assert created is not None
        return _feed_from_row(created)


def add_feeds(wh: Warehouse, entries: Sequence[FeedListEntry]) -> int:
    """Register a feed list in one transaction; returns how many feeds were new.

    A feed whose URL is known is left as it is; a new outlet gets the homepage,
    language and country its first entry gives. One commit for the whole list:
    registering 180,000 feeds one transaction each would take a day on a lake.
    """
    with wh.writing() as connection:
        known = {row[0] for row in connection.execute("SELECT url FROM feeds").fetchall()}
        new: list[FeedListEntry] = []
        for entry in entries:
            if entry.url not in known:
                known.add(entry.url)
                new.append(entry)
        outlets: dict[str, int] = {}
        for entry in new:
            if entry.source_name not in outlets:
                outlets[entry.source_name] = source_id_for(
                    connection,
                    entry.source_name,
                    homepage=entry.homepage,
                    country=entry.country,
                    language=entry.language,
                )
        rows = pa.table(
            {
                "feed_id": pa.array(next_ids(connection, "feed_ids", len(new)), pa.int32()),
                "source_id": pa.array([outlets[entry.source_name] for entry in new], pa.int32()),
                "url": pa.array([entry.url for entry in new], pa.string()),
                "title": pa.array([entry.title for entry in new], pa.string()),
            }
        )
        connection.register("new_feeds", rows)
        try:
            connection.execute(
                "INSERT INTO feeds (feed_id, source_id, url, title, added_at) SELECT feed_id, source_id, url, title, ?"
                " FROM new_feeds",
                [to_stored(utc_now())],
            )
        finally:
            connection.unregister("new_feeds")
    return len(new)


def list_feeds(wh: Warehouse) -> list[Feed]:
    with wh.reading() as connection:
        rows = connection.execute(f"{_FEEDS_QUERY} ORDER BY s.name, f.feed_id").fetchall()
    return [_feed_from_row(row) for row in rows]


def get_feed(wh: Warehouse, feed_id: int) -> Feed:
    with wh.reading() as connection:
        row = fetch_one(connection.execute(f"{_FEEDS_QUERY} WHERE f.feed_id = ?", [feed_id]))
    if row is None:
        raise UnknownFeed(f"no feed with id {feed_id} (see 'newstally feeds list')")
    return _feed_from_row(row)


def remove_feed(wh: Warehouse, feed_id: int) -> Feed:
    """Unregister a feed. Its articles stay: they are the record of what was published."""
    feed = get_feed(wh, feed_id)
    with wh.writing() as connection:
        connection.execute("DELETE FROM feeds WHERE feed_id = ?", [feed_id])
    return feed


def enable_feed(wh: Warehouse, feed_id: int) -> Feed:
    """Re-enable a feed disabled after failures, due now, with a clean slate.

    The failure count, the adapted interval and the run of 304s start over, so a
    feed that is back is neither disabled again at its next failure nor polled at
    the slow pace it had drifted to while dead.
    """
    get_feed(wh, feed_id)
    with wh.writing() as connection:
        connection.execute(
            "UPDATE feeds SET enabled = true, disabled_reason = NULL, consecutive_failures = 0,"
            " next_fetch_at = NULL, poll_interval_seconds = NULL, not_modified_since = NULL WHERE feed_id = ?",
            [feed_id],
        )
    return get_feed(wh, feed_id)


def due_feeds(wh: Warehouse, now: datetime | None = None, *, include_not_due: bool = False) -> list[Feed]:
    """Enabled feeds whose next fetch time has come (all enabled ones with include_not_due)."""
    moment = to_stored(now or utc_now())
    with wh.reading() as connection:
        rows = _due_rows(connection, moment, include_not_due=include_not_due)
    return [_feed_from_row(row) for row in rows]


_CLAIM = "UPDATE feeds SET next_fetch_at = ?, claimed_by = ? WHERE feed_id IN (SELECT unnest(?::INTEGER[]))"
_HELD_CLAIMS = "SELECT DISTINCT claimed_by FROM feeds WHERE claimed_by IS NOT NULL AND next_fetch_at > ?"
_RELEASE_CLAIMS_OF = """
    UPDATE feeds SET next_fetch_at = ?, claimed_by = NULL
    WHERE claimed_by IN (SELECT unnest(?::VARCHAR[])) AND next_fetch_at > ?
"""


def claim_due_feeds(
    wh: Warehouse,
    now: datetime,
    *,
    lease: timedelta,
    include_not_due: bool = False,
    claimant: str | None = None,
    limit: int | None = None,
) -> list[Feed]:
    """The due feeds (at most `limit`, the longest due first), each pushed `lease` into the future in one transaction.

    Two fetchers (the scheduler and a `newstally fetch`, or two schedulers) never
    take the same feed: the second finds it no longer due. Recording the fetch
    replaces the lease with the real next fetch time; if the fetcher dies first,
    the feed comes due again when the lease runs out, or as soon as another fetcher
    finds `claimant` gone (`release_abandoned_claims`). `include_not_due` (forced
    fetches) takes every enabled feed, claimed or not.
    """
    if not due_feeds(wh, now, include_not_due=include_not_due):
        return []  # a pass with nothing to do writes nothing, so readers' caches stay valid
    with wh.writing() as connection:
        rows = _due_rows(connection, to_stored(now), include_not_due=include_not_due)[:limit]
        if rows:
            connection.execute(_CLAIM, [to_stored(now + lease), claimant, [row[0] for row in rows]])
    return [_feed_from_row(row) for row in rows]


def release_feeds(wh: Warehouse, feed_ids: list[int], *, due_at: datetime) -> None:
    """Hand back claimed feeds that were not fetched after all (the fetcher was asked to stop)."""
    if feed_ids:
        with wh.writing() as connection:
            connection.execute(_CLAIM, [to_stored(due_at), None, feed_ids])


def release_abandoned_claims(wh: Warehouse, now: datetime, *, abandoned: Callable[[str], bool]) -> int:
    """Make feeds claimed by fetchers that no longer run due at `now`; returns how many were released.

    `abandoned` tells from a claimant's name whether it is surely gone (ingest knows
    how processes are named; the warehouse does not). Writes nothing when no claim
    is abandoned, so readers' caches stay valid.
    """
    moment = to_stored(now)
    with wh.reading() as connection:
        held = [row[0] for row in connection.execute(_HELD_CLAIMS, [moment]).fetchall()]
    gone = [claimant for claimant in held if abandoned(claimant)]
    if not gone:
        return 0
    with wh.writing() as connection:
        row = fetch_one(connection.execute(_RELEASE_CLAIMS_OF, [moment, gone, moment]))
    return int(row[0]) if row else 0


def _due_rows(connection: duckdb.DuckDBPyConnection, moment: datetime, *, include_not_due: bool) -> list[tuple]:
    if include_not_due:
        return connection.execute(f"{_FEEDS_QUERY} WHERE f.enabled ORDER BY f.feed_id").fetchall()
    return connection.execute(
        f"{_FEEDS_QUERY} WHERE f.enabled AND (f.next_fetch_at IS NULL OR f.next_fetch_at <= ?)"
        " ORDER BY f.next_fetch_at NULLS FIRST, f.feed_id",
        [moment],
    ).fetchall()


def list_sources(wh: Warehouse) -> list[Source]:
    with wh.reading() as connection:
        rows = connection.execute(
            "SELECT source_id, name, homepage, country, language, is_demo FROM sources ORDER BY name"
        ).fetchall()
    return [Source(*row) for row in rows]
