"""Small facts about what the warehouse holds: entities, corpus extent, demo flag, data version."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from warehouse.engine.clock import from_stored
from warehouse.engine.db import Warehouse, fetch_one
from warehouse.engine.lake import is_lake_target
from warehouse.errors import UnknownEntity, WarehouseUnavailable

if TYPE_CHECKING:  # imported where a frame is built: `newstally series` never imports pandas
    import pandas as pd

__all__ = ["CorpusFacts", "corpus_facts", "data_version", "list_entities", "open_warehouse", "require_entities"]


@dataclass(frozen=True)
class CorpusFacts:
    """What a page header or a cache key needs to know about the corpus."""

    articles: int
    sources: int
    first_published_at: datetime | None
    last_published_at: datetime | None
    last_fetched_at: datetime | None
    is_demo: bool
    watchlist_hash: str
    data_version: str  # changes with every committed write: articles, tallies, feeds, events


def open_warehouse(path: Path | str, *, watchlist_path: Path, events_path: Path | None = None) -> Warehouse:
    """A warehouse at `path`, created with the watchlist and calendar if it does not exist yet.

    A new file appears whole or not at all (`Warehouse.create`): migrated, with the watchlist
    and the calendar, so a crash while creating it leaves no half-made warehouse behind.
    """
    # Imported here: the readers of this module (`check_entities` for every series) need no tally.
    from warehouse.analysis.events import load_events_file, upsert_events
    from warehouse.counting.tally import install_watchlist

    wh = Warehouse(path)

    def install(connection: duckdb.DuckDBPyConnection) -> None:
        install_watchlist(connection, watchlist_path)
        if events_path is not None:
            upsert_events(connection, load_events_file(events_path))

    if not is_lake_target(path) and wh.create(install):
        return wh
    with wh.writing() as connection:
        has_watchlist = fetch_one(
            connection.execute("SELECT count(*) FROM warehouse_facts WHERE key = 'watchlist_toml'")
        )
        if has_watchlist is not None and has_watchlist[0] == 0:
            install(connection)
    return wh


_ENTITIES_QUERY = "SELECT entity_id, kind, name FROM entities ORDER BY kind, rowid"


def list_entities(wh: Warehouse) -> pd.DataFrame:
    """entity_id, kind, name of every watchlist entity, leaders first, in watchlist order."""
    with wh.reading() as connection:
        return connection.execute(_ENTITIES_QUERY).df()


def require_entities(wh: Warehouse, entity_ids: list[str]) -> list[str]:
    """The ids, checked against the watchlist; an unknown one raises with the known ones listed."""
    with wh.reading() as connection:
        return check_entities(connection, entity_ids)


def check_entities(connection: duckdb.DuckDBPyConnection, entity_ids: list[str]) -> list[str]:
    """require_entities inside an open connection."""
    known = [row[0] for row in connection.execute(_ENTITIES_QUERY).fetchall()]
    unknown = [entity_id for entity_id in entity_ids if entity_id not in known]
    if unknown:
        raise UnknownEntity(f"unknown entity {', '.join(unknown)}; known: {', '.join(known)}")
    return entity_ids


def corpus_facts(wh: Warehouse) -> CorpusFacts:
    if not wh.exists():
        raise WarehouseUnavailable(f"no warehouse at {wh.path}")
    with wh.reading() as connection:
        row = fetch_one(
            connection.execute(
                """
            SELECT count(*), count(DISTINCT source_id), min(published_at), max(published_at), max(fetched_at),
                   (SELECT coalesce(bool_or(is_demo), false) FROM sources),
                   (SELECT coalesce(max(value), '') FROM warehouse_facts WHERE key = 'watchlist_hash'),
                   (SELECT coalesce(max(value), '0') FROM warehouse_facts WHERE key = 'write_count')
            FROM articles WHERE date_quality IN ('ok', 'missing')
            """
            )
        )
    assert row is not None
    articles, sources, first, last, fetched, is_demo, watchlist_hash, write_count = row
    return CorpusFacts(
        articles=articles,
        sources=sources,
        first_published_at=from_stored(first),
        last_published_at=from_stored(last),
        last_fetched_at=from_stored(fetched),
        is_demo=bool(is_demo),
        watchlist_hash=watchlist_hash,
        data_version=f"{write_count}-{watchlist_hash}",
    )


_DATA_VERSION = (
    "SELECT (SELECT coalesce(max(value), '0') FROM warehouse_facts WHERE key = 'write_count'),"
    " (SELECT coalesce(max(value), '') FROM warehouse_facts WHERE key = 'watchlist_hash')"
)


def data_version(wh: Warehouse) -> str:
    """`CorpusFacts.data_version` alone: cheap enough to read on every request of a server.

    Every committed write changes the warehouse file or its write-ahead log, so while
    neither has changed since this process last read the version, that version still
    holds and no connection is opened. A write racing the read only makes the next call
    read again: the file state is taken before the version.
    """
    state = _file_state(wh)
    with _VERSION_LOCK:
        cached = _VERSIONS.get(wh.path)
    if cached is not None and cached[0] == state:
        return cached[1]
    with wh.reading() as connection:
        row = fetch_one(connection.execute(_DATA_VERSION))
    assert row is not None
    version = f"{row[0]}-{row[1]}"
    with _VERSION_LOCK:
        _VERSIONS[wh.path] = (state, version)
    return version


_VERSIONS: dict[Path, tuple[tuple, str]] = {}
_VERSION_LOCK = threading.Lock()


def _file_state(wh: Warehouse) -> tuple:
    """Identity, size and modification time of the warehouse file and its write-ahead log."""
    state: list[tuple[int, int, int] | None] = []
    for path in (wh.path, wh.wal_path):
        try:
            found = path.stat()
        except FileNotFoundError:
            state.append(None)
            continue
        state.append((found.st_ino, found.st_size, found.st_mtime_ns))
    return tuple(state)
