"""The watchlist kept in the warehouse, versioned: import, export, add, edit, retire, revert.

The current watchlist is the newest row of `watchlist_versions` (migration 0007); each
version holds the whole TOML text, so exporting is returning it and reverting is
applying an older one again. `watchlist.toml` is the import and export format.

A change re-tallies only the entities whose matching rules changed (aliases,
exclusions, letter case): their mentions are deleted, counted again over every article
with a watchlist of just those entities, and their slot rollups rebuilt, all in one
write transaction. That is exact, not an approximation: every entity is matched on its
own (`Watchlist.find_mentions` runs one matcher per entity; the SQL tally's layered
passes only emulate that), so another entity's aliases, overlapping or not, never
change this entity's hits. A test holds the result to a full retally row for row.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from warehouse.counting.queries import _All, _Any, _Has, _Not, parse_query
from warehouse.counting.rollups import article_periods, rebuild_entity_rollups
from warehouse.counting.tally import recount_everything, stored_watchlist, tally_articles, write_watchlist
from warehouse.counting.watchlist import ENTITY_KINDS, Entity, Watchlist, parse_watchlist
from warehouse.engine.clock import from_stored
from warehouse.engine.db import Warehouse, fetch_one
from warehouse.errors import QueryInvalid, UnknownEntity, WatchlistInvalid

__all__ = [
    "EntityDraft",
    "WatchlistChange",
    "WatchlistVersion",
    "entity_draft_from_query",
    "import_watchlist",
    "retire_entity",
    "revert_watchlist",
    "save_entity",
    "watchlist_export",
    "watchlist_history",
    "watchlist_toml",
]

_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
_HISTORY = (
    "SELECT version, created_at, action, entity_id, summary, author, watchlist_hash"
    " FROM watchlist_versions ORDER BY version"
)
_VERSION_TEXT = "SELECT watchlist_toml FROM watchlist_versions WHERE version = ?"
_NEWEST_TEXT = "SELECT watchlist_toml FROM watchlist_versions ORDER BY version DESC LIMIT 1"
_CURRENT_VERSION = "SELECT max(version) FROM watchlist_versions"
_FACT_TEXT = "SELECT value FROM warehouse_facts WHERE key = 'watchlist_toml'"
_DELETE_MENTIONS = "DELETE FROM mentions WHERE list_contains(?, entity_id)"
_HEADER = (
    "# newstally watchlist, exported from the warehouse (`newstally watchlist export`).\n"
    "# Edit and load it back with `newstally watchlist import FILE`; rules in docs/counting.md.\n"
)


@dataclass(frozen=True)
class WatchlistVersion:
    """One row of the watchlist's history."""

    version: int
    created_at: datetime  # UTC
    action: str  # install | retally | import | add | edit | retire | revert
    entity_id: str | None
    summary: str
    author: str | None
    watchlist_hash: str


@dataclass(frozen=True)
class WatchlistChange:
    """What applying a watchlist did: the version now current and how much was counted again."""

    version: int
    changed: bool  # False: the watchlist was already this one, nothing was written
    mode: str  # none (names only, or nothing) | entities (only the changed ones re-tallied) | full
    retallied: tuple[str, ...]  # the entities whose mentions were counted again
    mention_rows: int
    seconds: float
    summary: str


@dataclass(frozen=True)
class EntityDraft:
    """An entity proposed from a query, for the dashboard's form."""

    entity_id: str
    name: str
    aliases: tuple[str, ...]
    exclude: tuple[str, ...]


def watchlist_toml(entities: tuple[Entity, ...] | list[Entity]) -> str:
    """Entities as watchlist TOML that parses back to the same entities, leaders first."""
    lines = [_HEADER]
    for kind in ENTITY_KINDS:
        for entity in (e for e in entities if e.kind == kind):
            lines.append(f"[[{kind}]]")
            lines.append(f"id = {_toml_string(entity.entity_id)}")
            lines.append(f"name = {_toml_string(entity.name)}")
            lines.append(f"aliases = [{', '.join(_toml_string(a) for a in entity.aliases)}]")
            lines.append(f"exclude = [{', '.join(_toml_string(x) for x in entity.exclude)}]")
            if entity.case_sensitive != (kind == "leader"):
                lines.append(f"case_sensitive = {'true' if entity.case_sensitive else 'false'}")
            lines.append("")
    return "\n".join(lines)


def _toml_string(text: str) -> str:
    # JSON's string escapes are all TOML basic-string escapes; TOML also forbids a raw DEL.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def watchlist_history(wh: Warehouse) -> list[WatchlistVersion]:
    """Every version, oldest first; the last is the current watchlist."""
    with wh.reading() as connection:
        rows = connection.execute(_HISTORY).fetchall()
    return [
        WatchlistVersion(int(v), from_stored(at) or at, action, entity_id, summary, author, digest)
        for v, at, action, entity_id, summary, author, digest in rows
    ]


def watchlist_export(wh: Warehouse, version: int | None = None) -> str:
    """The TOML text of a version (default: the current one), exactly as stored: importing it changes nothing."""
    with wh.reading() as connection:
        if version is None:
            row = fetch_one(connection.execute(_NEWEST_TEXT)) or fetch_one(connection.execute(_FACT_TEXT))
        else:
            row = fetch_one(connection.execute(_VERSION_TEXT, [version]))
    if row is None:
        raise WatchlistInvalid(
            "no watchlist stored"
            if version is None
            else f"no watchlist version {version}: see 'newstally watchlist history'"
        )
    return str(row[0])


def import_watchlist(wh: Warehouse, path: Path, *, author: str | None = None) -> WatchlistChange:
    """Make a watchlist file the current version, re-tallying only the entities it changes."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise WatchlistInvalid(f"watchlist file not found: {path}") from error
    except (OSError, UnicodeDecodeError) as error:
        raise WatchlistInvalid(f"cannot read watchlist {path}: {error}") from error
    return _apply(wh, text, origin=str(path), action="import", summary=f"imported {Path(path).name}", author=author)


def revert_watchlist(wh: Warehouse, version: int, *, author: str | None = None) -> WatchlistChange:
    """Make an older version current again, as a new version (history is never rewritten)."""
    text = watchlist_export(wh, version)
    return _apply(
        wh, text, origin=f"version {version}", action="revert", summary=f"reverted to version {version}", author=author
    )


def save_entity(
    wh: Warehouse,
    *,
    entity_id: str,
    name: str,
    kind: str,
    aliases: list[str] | tuple[str, ...],
    exclude: list[str] | tuple[str, ...] = (),
    case_sensitive: bool | None = None,
    new: bool = True,
    author: str | None = None,
) -> WatchlistChange:
    """Add an entity (`new`) or replace the one with this id; its history is tallied at once.

    `case_sensitive` None takes the kind's rule (leaders exact, themes any case).
    Mistakes raise WatchlistInvalid with one line.
    """
    entity = _checked_entity(entity_id, name, kind, aliases, exclude, case_sensitive)
    action = "add" if new else "edit"
    summary = f"{'added' if new else 'edited'} {entity.kind} {entity.entity_id} ({entity.name}): " + ", ".join(
        entity.aliases
    )
    if entity.exclude:
        summary += "; not " + ", ".join(entity.exclude)

    def changed(current: list[Entity]) -> str:
        known = [e.entity_id for e in current]
        if new and entity.entity_id in known:
            raise WatchlistInvalid(f"an entity with id {entity.entity_id!r} already exists: pick another id or edit it")
        if not new and entity.entity_id not in known:
            raise UnknownEntity(f"unknown entity {entity.entity_id}; known: {', '.join(known)}")
        entities = [entity if e.entity_id == entity.entity_id else e for e in current]
        return watchlist_toml([*entities, entity] if new else entities)

    return _apply(wh, changed, origin=action, action=action, summary=summary, entity_id=entity.entity_id, author=author)


def retire_entity(wh: Warehouse, entity_id: str, *, author: str | None = None) -> WatchlistChange:
    """Take an entity off the watchlist, its mentions with it; `revert` brings it back."""

    def changed(current: list[Entity]) -> str:
        known = [e.entity_id for e in current]
        if entity_id not in known:
            raise UnknownEntity(f"unknown entity {entity_id}; known: {', '.join(known)}")
        if len(current) == 1:
            raise WatchlistInvalid(f"{entity_id} is the last entity: a watchlist needs at least one")
        return watchlist_toml([e for e in current if e.entity_id != entity_id])

    return _apply(
        wh,
        changed,
        origin="retire",
        action="retire",
        summary=f"retired {entity_id}",
        entity_id=entity_id,
        author=author,
    )


def entity_draft_from_query(text: str) -> EntityDraft:
    """An entity from a query: its words and phrases become aliases, its NOT words exclusions.

    Only a flat list fits an entity (words and phrases joined by spaces, AND or OR, NOT
    words); `title:` and NOT around a group have no entity equivalent and are refused.
    """
    query = parse_query(text)
    aliases: list[str] = []
    exclude: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, _Has):
            if node.title_only:
                raise QueryInvalid("title: has no entity equivalent: an entity counts titles and summaries")
            aliases.append(node.term.text)
        elif isinstance(node, _Not):
            if not isinstance(node.part, _Has) or node.part.title_only:
                raise QueryInvalid("only single words or phrases can follow NOT in an entity (they become exclusions)")
            exclude.append(node.part.term.text)
        elif isinstance(node, (_All, _Any)):
            for part in node.parts:
                walk(part)

    walk(query.root)
    aliases = list(dict.fromkeys(aliases))
    slug = re.sub(r"[^a-z0-9]+", "_", aliases[0].rstrip("*").lower()).strip("_") if aliases else ""
    if not slug or not slug[0].isalpha():
        slug = "entity_" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:6] if not slug else f"e_{slug}"
    return EntityDraft(slug, aliases[0].rstrip("*") if aliases else text, tuple(aliases), tuple(dict.fromkeys(exclude)))


def _checked_entity(
    entity_id: str,
    name: str,
    kind: str,
    aliases: list[str] | tuple[str, ...],
    exclude: list[str] | tuple[str, ...],
    case_sensitive: bool | None,
) -> Entity:
    entity_id = entity_id.strip()
    if not _ID_PATTERN.match(entity_id):
        raise WatchlistInvalid(
            f"id must be lower-case letters, digits and _, starting with a letter (got {entity_id!r})"
        )
    if kind not in ENTITY_KINDS:
        raise WatchlistInvalid(f"kind must be leader or theme (got {kind!r})")
    cleaned = tuple(dict.fromkeys(a.strip() for a in aliases if a.strip()))
    excluded = tuple(dict.fromkeys(x.strip() for x in exclude if x.strip()))
    if not cleaned:
        raise WatchlistInvalid(f"{entity_id}: give at least one alias")
    for phrase in (*cleaned, *excluded):
        if not any(char.isalnum() for char in phrase):
            raise WatchlistInvalid(f"{entity_id}: {phrase!r} has no letter or digit, so it cannot match a word")
        if "*" in phrase.rstrip("*") or phrase.endswith("**"):
            raise WatchlistInvalid(f"{entity_id}: {phrase!r}: a * is allowed only once, at the end")
    return Entity(
        entity_id=entity_id,
        kind=kind,
        name=name.strip() or entity_id,
        aliases=cleaned,
        exclude=excluded,
        case_sensitive=(kind == "leader") if case_sensitive is None else case_sensitive,
    )


def _matching(entity: Entity | None) -> tuple | None:
    """What decides an entity's mentions: its name and kind do not."""
    return None if entity is None else (entity.aliases, entity.exclude, entity.case_sensitive)


def _apply(
    wh: Warehouse,
    text: str | Callable[[list[Entity]], str],
    *,
    origin: str,
    action: str,
    summary: str,
    entity_id: str | None = None,
    author: str | None = None,
) -> WatchlistChange:
    """Make `text` the current watchlist and bring the mentions and rollups in line, in one transaction.

    `text` may be a function of the current entities, called inside the write transaction,
    so two editors saving at once each change the watchlist the other left.
    """
    started = time.monotonic()
    with wh.writing() as connection:
        old = stored_watchlist(connection)
        if callable(text):
            if old is None:
                raise WatchlistInvalid("no watchlist stored yet: run 'newstally watchlist import FILE'")
            text = text(list(old.entities))
        watchlist = parse_watchlist(text, origin=origin)
        if old is not None and old.content_hash == watchlist.content_hash:
            row = fetch_one(connection.execute(_CURRENT_VERSION))
            version = int(row[0]) if row and row[0] is not None else 0
            return WatchlistChange(version, False, "none", (), 0, 0.0, "the watchlist is already this one")
        before = {e.entity_id: e for e in old.entities} if old is not None else {}
        after = {e.entity_id: e for e in watchlist.entities}
        everyone = sorted(before.keys() | after.keys())
        recount = [i for i in everyone if _matching(before.get(i)) != _matching(after.get(i))]
        version = write_watchlist(
            connection, watchlist, text, action=action, summary=summary, entity_id=entity_id, author=author
        )
        if old is None or len(recount) == len(everyone):
            mode, written = "full", recount_everything(connection, watchlist)
            recount = list(after)
        elif recount:
            mode, written = "entities", _retally_entities(connection, watchlist, recount)
        else:
            mode, written = "none", 0
    return WatchlistChange(version, True, mode, tuple(recount), written, time.monotonic() - started, summary)


def _retally_entities(connection: duckdb.DuckDBPyConnection, watchlist: Watchlist, entity_ids: list[str]) -> int:
    """Count these entities again over every article; the others' mentions stay as they are."""
    connection.execute(_DELETE_MENTIONS, [entity_ids])
    kept = tuple(e for e in watchlist.entities if e.entity_id in set(entity_ids))
    periods = article_periods(connection)
    written = 0
    if kept:
        digest = hashlib.sha256(f"{watchlist.content_hash}:{','.join(entity_ids)}".encode()).hexdigest()[:16]
        written = tally_articles(connection, Watchlist(kept, digest), periods=periods)
    rebuild_entity_rollups(connection, entity_ids, periods)
    return written
