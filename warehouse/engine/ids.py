"""Ids for new rows, taken the same way on a warehouse file and on a lake.

A file has sequences; a DuckLake has none, so a lake keeps each sequence's last
value in its `lake_sequences` table. Both are only ever advanced by the one
writer that holds the warehouse's writer lock (the file's flock, the lake's
PostgreSQL advisory lock), so an id is never handed out twice and never reused
after its row is deleted: a fetch log row keeps naming the feed it was about.
Articles take no id from here: theirs is computed from what they are
(`warehouse.intake.identity.article_id_of`).
"""

from __future__ import annotations

import duckdb

from warehouse.engine.db import fetch_one

__all__ = ["SEQUENCES", "next_ids"]

# Each sequence and the column it numbers; the column's largest id bounds a lake's counter from below.
SEQUENCES = {
    "source_ids": ("sources", "source_id"),
    "feed_ids": ("feeds", "feed_id"),
    "fetch_ids": ("fetches", "fetch_id"),
    "alert_message_ids": ("alert_messages", "message_id"),
}

_HAS_SEQUENCE = "SELECT count(*) FROM duckdb_sequences() WHERE database_name = current_database() AND sequence_name = ?"
_LAKE_LAST = "SELECT max(last_value) FROM lake_sequences WHERE sequence_name = ?"


def next_ids(connection: duckdb.DuckDBPyConnection, sequence: str, count: int) -> list[int]:
    """`count` ids from `sequence` (one of SEQUENCES) no row has had; inside the writer's transaction."""
    if count <= 0:
        return []
    table, column = SEQUENCES[sequence]
    has_sequence = fetch_one(connection.execute(_HAS_SEQUENCE, [sequence]))
    if has_sequence and has_sequence[0]:
        rows = connection.execute(f"SELECT nextval('{sequence}') FROM range(?)", [count]).fetchall()
        return [int(row[0]) for row in rows]
    counted = fetch_one(connection.execute(_LAKE_LAST, [sequence]))
    largest = fetch_one(connection.execute(f"SELECT max({column}) FROM {table}"))
    last = max(_number(counted), _number(largest))
    connection.execute("DELETE FROM lake_sequences WHERE sequence_name = ?", [sequence])
    connection.execute("INSERT INTO lake_sequences VALUES (?, ?)", [sequence, last + count])
    return list(range(last + 1, last + count + 1))


def _number(row: tuple | None) -> int:
    return int(row[0]) if row and row[0] is not None else 0
