"""Collections: named groups of outlets that every count can be restricted to.

A collection is a rule (all outlets of a country and/or a language, resolved when read, so
an outlet added later joins it) or a hand-picked list of outlets. Readers turn a collection
name into the outlets' source ids (`collection_source_ids`) and pass them to their SQL as
the `$source_ids` parameter: NULL counts every outlet, a list only those.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from warehouse.engine.db import Warehouse, fetch_one
from warehouse.errors import CollectionInvalid, UnknownCollection

__all__ = [
    "Collection",
    "add_collection",
    "collection_source_ids",
    "list_collections",
    "remove_collection",
]

MAX_NAME_LENGTH = 80

# The outlets of a rule: country without case; a language without a region (`en`) takes its regional
# forms too (`en-GB`), one with a region only itself.
_RULE_MEMBERS = """
SELECT s.source_id, s.name
FROM sources s
WHERE ($country IS NULL OR lower(s.country) = lower($country))
  AND ($language IS NULL
       OR lower(s.language) = lower($language)
       OR (NOT contains($language, '-') AND split_part(lower(s.language), '-', 1) = lower($language)))
ORDER BY s.name
"""
_LISTED_MEMBERS = """
SELECT s.source_id, s.name
FROM collection_sources c
JOIN sources s USING (source_id)
WHERE c.collection = $name
ORDER BY s.name
"""


@dataclass(frozen=True)
class Collection:
    """A named group of outlets: a rule (country, language) or a list, and the outlets it holds now."""

    name: str
    country: str | None
    language: str | None
    outlets: tuple[str, ...]  # names, sorted
    picked: bool  # a hand-picked list rather than a rule

    @property
    def rule(self) -> str:
        """How the collection chooses its outlets, in words."""
        if self.picked:
            return "picked by hand"
        parts = [
            f"country {self.country}" if self.country else "",
            f"language {self.language}" if self.language else "",
        ]
        return " and ".join(part for part in parts if part)


def add_collection(
    wh: Warehouse,
    name: str,
    *,
    country: str | None = None,
    language: str | None = None,
    sources: Sequence[str] = (),
) -> Collection:
    """Store a collection: a rule (country and/or language) or a list of outlet names, not both."""
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH or not name.isprintable():
        raise CollectionInvalid(f"a collection name needs 1 to {MAX_NAME_LENGTH} printable characters")
    country = (country or "").strip().upper() or None
    language = (language or "").strip() or None
    if sources and (country or language):
        raise CollectionInvalid(
            "a collection is a rule (--country/--language) or a list of outlets (--source), not both"
        )
    if not sources and not (country or language):
        raise CollectionInvalid("a collection needs --country, --language or at least one --source")
    with wh.writing() as connection:
        if fetch_one(connection.execute("SELECT 1 FROM collections WHERE name = ?", [name])):
            raise CollectionInvalid(f"collection {name!r} exists; remove it first to change it")
        source_ids = []
        for source in dict.fromkeys(sources):
            row = fetch_one(connection.execute("SELECT source_id FROM sources WHERE name = ?", [source]))
            if row is None:
                raise CollectionInvalid(f"no outlet named {source!r} (the outlets are in 'newstally feeds list')")
            source_ids.append(int(row[0]))
        connection.execute(
            "INSERT INTO collections (name, country, language, created_at) VALUES (?, ?, ?, now()::TIMESTAMP)",
            [name, country, language],
        )
        for source_id in source_ids:
            connection.execute(
                "INSERT INTO collection_sources (collection, source_id) VALUES (?, ?)", [name, source_id]
            )
        return _collection(connection, name, country, language)


def list_collections(wh: Warehouse) -> list[Collection]:
    """Every stored collection by name, with the outlets it holds now."""
    with wh.reading() as connection:
        if not _has_tables(connection):
            return []
        rows = connection.execute("SELECT name, country, language FROM collections ORDER BY name").fetchall()
        return [_collection(connection, *row) for row in rows]


def remove_collection(wh: Warehouse, name: str) -> None:
    with wh.writing() as connection:
        if not fetch_one(connection.execute("SELECT 1 FROM collections WHERE name = ?", [name])):
            raise UnknownCollection(_unknown(name))
        connection.execute("DELETE FROM collection_sources WHERE collection = ?", [name])
        connection.execute("DELETE FROM collections WHERE name = ?", [name])


def collection_source_ids(connection: duckdb.DuckDBPyConnection, name: str | None) -> list[int] | None:
    """The `$source_ids` parameter for a collection: None (every outlet) without one, else its outlets' ids.

    Raises UnknownCollection for a name that is not stored.
    """
    if name is None:
        return None
    row = (
        fetch_one(connection.execute("SELECT country, language FROM collections WHERE name = ?", [name]))
        if _has_tables(connection)
        else None
    )
    if row is None:
        raise UnknownCollection(_unknown(name))
    return [source_id for source_id, _ in _members(connection, name, *row)]


def _collection(
    connection: duckdb.DuckDBPyConnection, name: str, country: str | None, language: str | None
) -> Collection:
    members = _members(connection, name, country, language)
    return Collection(
        name=name,
        country=country,
        language=language,
        outlets=tuple(outlet for _, outlet in members),
        picked=country is None and language is None,
    )


def _members(
    connection: duckdb.DuckDBPyConnection, name: str, country: str | None, language: str | None
) -> list[tuple[int, str]]:
    if country is None and language is None:
        return connection.execute(_LISTED_MEMBERS, {"name": name}).fetchall()
    return connection.execute(_RULE_MEMBERS, {"country": country, "language": language}).fetchall()


def _has_tables(connection: duckdb.DuckDBPyConnection) -> bool:
    """Whether the file has been migrated to collections (a read never migrates)."""
    row = fetch_one(connection.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'collections'"))
    return bool(row and row[0])


def _unknown(name: str) -> str:
    shown = name if len(name) <= MAX_NAME_LENGTH else f"{name[: MAX_NAME_LENGTH - 3]}..."
    return f"no collection named {shown!r} (see 'newstally collections list')"
