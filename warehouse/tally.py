"""Turning articles into mentions with the watchlist stored in the warehouse, and re-tallying history.

The watchlist's TOML text is kept in the warehouse, so every process tallies with
exactly the rules the warehouse was last tallied with, and its hash says which.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pandas as pd

from warehouse.db import Warehouse, fetch_one
from warehouse.watchlist import Watchlist, load_watchlist, parse_watchlist

__all__ = ["current_watchlist", "install_watchlist", "retally"]

logger = logging.getLogger(__name__)

_parsed_by_text: dict[str, Watchlist] = {}


def stored_watchlist(connection: duckdb.DuckDBPyConnection) -> Watchlist | None:
    """The watchlist the warehouse's mentions were tallied with, or None before one is installed."""
    row = fetch_one(connection.execute("SELECT value FROM warehouse_facts WHERE key = 'watchlist_toml'"))
    if row is None:
        return None
    text = row[0]
    # Parsing builds regexes and an automaton: once per process per watchlist text.
    if text not in _parsed_by_text:
        _parsed_by_text[text] = parse_watchlist(text, origin="stored watchlist")
    return _parsed_by_text[text]


def current_watchlist(wh: Warehouse) -> Watchlist | None:
    with wh.reading() as connection:
        return stored_watchlist(connection)


def mention_rows(watchlist: Watchlist, articles: Iterable[tuple[int, str, str]]) -> pd.DataFrame:
    """Mentions of (article_id, title, summary) rows as a frame ready to insert."""
    article_ids: list[int] = []
    entity_ids: list[str] = []
    occurrences: list[int] = []
    in_title: list[bool] = []
    for article_id, title, summary in articles:
        for mention in watchlist.find_mentions(title, summary):
            article_ids.append(article_id)
            entity_ids.append(mention.entity_id)
            occurrences.append(mention.occurrences)
            in_title.append(mention.in_title)
    return pd.DataFrame(
        {
            "article_id": pd.Series(article_ids, dtype="int64"),
            "entity_id": pd.Series(entity_ids, dtype="object"),
            "occurrences": pd.Series(occurrences, dtype="int32"),
            "in_title": pd.Series(in_title, dtype="bool"),
        }
    )


def insert_mentions(connection: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> None:
    if frame.empty:
        return
    connection.register("new_mentions", frame)
    try:
        connection.execute("INSERT INTO mentions SELECT article_id, entity_id, occurrences, in_title FROM new_mentions")
    finally:
        connection.unregister("new_mentions")


def write_watchlist(connection: duckdb.DuckDBPyConnection, watchlist: Watchlist, text: str) -> None:
    """Replace entities, aliases and the stored watchlist text (inside the caller's transaction)."""
    connection.execute("DELETE FROM aliases")
    connection.execute("DELETE FROM entities")
    for entity in watchlist.entities:
        connection.execute(
            "INSERT INTO entities VALUES (?, ?, ?, ?)",
            [entity.entity_id, entity.kind, entity.name, entity.case_sensitive],
        )
        connection.executemany(
            "INSERT INTO aliases VALUES (?, ?, ?)",
            [[entity.entity_id, alias, False] for alias in entity.aliases]
            + [[entity.entity_id, phrase, True] for phrase in entity.exclude],
        )
    for key, value in (("watchlist_toml", text), ("watchlist_hash", watchlist.content_hash)):
        connection.execute(
            "INSERT INTO warehouse_facts VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )


def install_watchlist(connection: duckdb.DuckDBPyConnection, path: Path) -> Watchlist:
    """Load a watchlist file into a warehouse that has no articles yet."""
    watchlist = load_watchlist(path)
    write_watchlist(connection, watchlist, Path(path).read_text(encoding="utf-8"))
    return watchlist


def retally(wh: Warehouse, watchlist_path: Path, *, batch_size: int = 100_000) -> tuple[Watchlist, int]:
    """Re-count every article against a (possibly edited) watchlist, in one transaction.

    Readers see the old tallies until the commit and the new ones after it, never a
    mix, because the whole rebuild is one write transaction under the writer lock.
    Returns the watchlist and the number of mention rows written.
    """
    watchlist = load_watchlist(watchlist_path)
    text = Path(watchlist_path).read_text(encoding="utf-8")
    written = 0
    with wh.writing() as connection:
        write_watchlist(connection, watchlist, text)
        connection.execute("DELETE FROM mentions")
        result = connection.execute("SELECT article_id, title, summary FROM articles ORDER BY article_id")
        while True:
            batch = result.fetchmany(batch_size)
            if not batch:
                break
            frame = mention_rows(watchlist, batch)
            # A second cursor: the first is still streaming the articles.
            insert_mentions(connection.cursor(), frame)
            written += len(frame)
    logger.info("retallied with watchlist %s: %d mention rows", watchlist.content_hash, written)
    return watchlist, written
