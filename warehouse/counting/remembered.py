"""A query's matches, remembered by the process while the data they were read from stands.

Counting a query is a pass over every article's title and summary; its matches are few
(a query matching a tenth of a million articles is a hundred thousand rows). A dashboard
or API process asks for the same query many times in a row (another range, bucket,
zone, the spike markers and their headlines), so it keeps each query's matches, with
the range of publication times they cover, and answers a later read inside that range
from them instead of reading the text again.

What is remembered is keyed by the database and its write count (every committed write
bumps it, warehouse.engine.db.bump_write_count), read in the same snapshot as the
matches, so a write makes it stale at once and it is never served for other data.
A range that reaches past the first or the last counted article covers all time on
that side: the Trends line and the spike markers ask for slightly different ends of
the same history.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from warehouse.engine.db import fetch_one

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

__all__ = ["MAX_QUERIES", "MAX_ROWS", "data_state", "day_filter", "forget_all", "recall", "remember", "write_recalled"]

MAX_QUERIES = 16  # queries remembered at once, the least recently used forgotten first
MAX_ROWS = 2_000_000  # a query matching more is read again each time rather than held (about 40 MB)
EARLIEST, LATEST = datetime(1900, 1, 1), datetime(2200, 1, 1)

_STATE = """
SELECT (SELECT path FROM duckdb_databases() WHERE database_name = current_database()),
       (SELECT max(value) FROM warehouse_facts WHERE key = 'write_count')
"""
_BOUNDS = """
SELECT min(published_at), max(published_at) FROM articles WHERE date_quality IN ('ok', 'missing')
"""
# Rows as write_query_mentions leaves them, with the publication time a later range is cut by.
_MATCHES = """
SELECT q.article_id, a.published_at, q.occurrences, q.in_title
FROM {table} q JOIN articles a USING (article_id)
WHERE q.entity_id = $key
"""
_INSERT = """
INSERT INTO {table}
SELECT article_id, $key, occurrences, in_title FROM remembered_matches
WHERE published_at >= $start_utc AND published_at < $end_utc {on_days}
"""
# Only articles of these UTC days: the days an evidence read needs, not every day between them.
_ON_DAYS = "AND list_contains($days, CAST(published_at AS DATE))"

State = tuple[str, str]


@dataclass(frozen=True)
class _Matches:
    start_utc: datetime  # naive UTC, inclusive; EARLIEST when it reaches past the first article
    end_utc: datetime  # exclusive; LATEST when it reaches past the last article
    rows: pd.DataFrame  # article_id, published_at, occurrences, in_title

    def covers(self, start_utc: datetime, end_utc: datetime) -> bool:
        return self.start_utc <= start_utc and end_utc <= self.end_utc


_remembered: OrderedDict[tuple[State, str], _Matches] = OrderedDict()
_lock = threading.Lock()


def data_state(connection: duckdb.DuckDBPyConnection) -> State | None:
    """The database and its write count, as this connection's snapshot sees them; None: do not remember."""
    row = fetch_one(connection.execute(_STATE))
    if row is None or not row[0] or row[1] is None:
        return None
    return str(row[0]), str(row[1])


def recall(state: State | None, text: str, start_utc: datetime, end_utc: datetime) -> pd.DataFrame | None:
    """The remembered matches of the query `text` when they cover the range, else None."""
    if state is None:
        return None
    with _lock:
        matches = _remembered.get((state, text))
        if matches is None or not matches.covers(start_utc, end_utc):
            return None
        _remembered.move_to_end((state, text))
        return matches.rows


def remember(
    connection: duckdb.DuckDBPyConnection,
    state: State | None,
    table: str,
    keys_by_text: dict[str, str],
    start_utc: datetime,
    end_utc: datetime,
) -> None:
    """Keep the matches just written to `table` under each key, for the queries' texts (`keys_by_text`)."""
    if state is None or not keys_by_text:
        return
    first, last = fetch_one(connection.execute(_BOUNDS)) or (None, None)
    covered_from = EARLIEST if first is None or start_utc <= first else start_utc
    covered_to = LATEST if last is None or end_utc > last else end_utc
    found = {}
    for text, key in keys_by_text.items():
        rows = connection.execute(_MATCHES.format(table=table), {"key": key}).fetchdf()
        if len(rows) <= MAX_ROWS:
            found[(state, text)] = _Matches(covered_from, covered_to, rows)
    with _lock:
        for stale in [entry for entry in _remembered if entry[0] != state and entry[0][0] == state[0]]:
            del _remembered[stale]  # the same database at an older write count can never be asked again
        for entry, matches in found.items():
            _remembered[entry] = matches
            _remembered.move_to_end(entry)
        while len(_remembered) > MAX_QUERIES:
            _remembered.popitem(last=False)


def write_recalled(
    connection: duckdb.DuckDBPyConnection,
    table: str,
    rows: pd.DataFrame,
    key: str,
    *,
    start_utc: datetime,
    end_utc: datetime,
    days: Collection[date] | None,
) -> None:
    """Insert the remembered rows inside the range (and on `days`) into `table` as mentions of `key`."""
    on_days, parameters = day_filter(days)
    parameters.update(key=key, start_utc=start_utc, end_utc=end_utc)
    connection.register("remembered_matches", rows)
    try:
        connection.execute(_INSERT.format(table=table, on_days=on_days), parameters)
    finally:
        connection.unregister("remembered_matches")


def day_filter(days: Collection[date] | None) -> tuple[str, dict[str, object]]:
    """SQL (`AND ...` on `published_at`) keeping only articles of `days` (UTC), and its parameters; none for None."""
    if days is None:
        return "", {}
    return _ON_DAYS, {"days": sorted(days)}


def forget_all() -> None:
    """Drop every remembered match (tests, and a process that wants its memory back)."""
    with _lock:
        _remembered.clear()
