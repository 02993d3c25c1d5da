"""Checking that a warehouse is whole: migrations, watchlist, mentions, rollups, references and identities.

What `newstally check` runs. Everything is read in one read-only connection, so the
check sees one committed state and never changes the file. Each finding is one
`IntegrityProblem`; an empty list means the warehouse is sound.

Feeds can be removed while their fetches and articles stay (they are the record of
what was published), so a fetch or article naming a feed that no longer exists is
fine; one naming a feed id that was never handed out is not.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.counting.rollups import has_rollups, rollup_mismatches
from warehouse.counting.tally import stored_watchlist
from warehouse.counting.watchlist import Watchlist, load_watchlist, parse_watchlist
from warehouse.engine.db import Warehouse, fetch_one
from warehouse.engine.queries import migration_files
from warehouse.errors import WatchlistInvalid
from warehouse.rows import DateQuality

__all__ = ["DEFAULT_RECOUNT_ARTICLES", "INTEGRITY_COLUMNS", "IntegrityProblem", "check_integrity"]

logger = logging.getLogger(__name__)

# Recounting runs the Python matcher over each article: the newest articles are the
# ones an interrupted write could have left untallied, and 10,000 take about a second.
DEFAULT_RECOUNT_ARTICLES = 10_000
INTEGRITY_COLUMNS = ["check", "rows", "detail"]
_EXAMPLES = 3


@dataclass(frozen=True)
class IntegrityProblem:
    """One thing wrong with a warehouse, said in one line."""

    check: str  # migrations | watchlist | mentions | rollups | orphans | duplicates | values | readable
    rows: int  # how many rows (or items) are affected
    detail: str


# name, query counting offending rows, query listing a few examples, what the problem is
_ORPHANS = [
    (
        "mentions without article",
        "SELECT count(*) FROM mentions m ANTI JOIN articles a USING (article_id)",
        "SELECT DISTINCT m.article_id FROM mentions m ANTI JOIN articles a USING (article_id) ORDER BY 1 LIMIT ?",
    ),
    (
        "mentions of an entity not in the watchlist",
        "SELECT count(*) FROM mentions m ANTI JOIN entities e USING (entity_id)",
        "SELECT DISTINCT m.entity_id FROM mentions m ANTI JOIN entities e USING (entity_id) ORDER BY 1 LIMIT ?",
    ),
    (
        "articles without source",
        "SELECT count(*) FROM articles a ANTI JOIN sources s USING (source_id)",
        "SELECT a.article_id FROM articles a ANTI JOIN sources s USING (source_id) ORDER BY 1 LIMIT ?",
    ),
    (
        "feeds without source",
        "SELECT count(*) FROM feeds f ANTI JOIN sources s USING (source_id)",
        "SELECT f.feed_id FROM feeds f ANTI JOIN sources s USING (source_id) ORDER BY 1 LIMIT ?",
    ),
    (
        "aliases of an entity not in the watchlist",
        "SELECT count(*) FROM aliases a ANTI JOIN entities e USING (entity_id)",
        "SELECT DISTINCT a.entity_id FROM aliases a ANTI JOIN entities e USING (entity_id) ORDER BY 1 LIMIT ?",
    ),
    (
        "fetches of a feed id never assigned",
        "SELECT count(*) FROM fetches WHERE feed_id > $last_feed_id OR feed_id < 1",
        "SELECT DISTINCT feed_id FROM fetches WHERE feed_id > $last_feed_id OR feed_id < 1 ORDER BY 1 LIMIT $limit",
    ),
    (
        "articles from a feed id never assigned",
        "SELECT count(*) FROM articles WHERE feed_id > $last_feed_id OR feed_id < 1",
        "SELECT article_id FROM articles WHERE feed_id > $last_feed_id OR feed_id < 1 ORDER BY 1 LIMIT $limit",
    ),
]

_DUPLICATES = [
    ("article identity (source_id, identity_key)", "articles", "source_id, identity_key"),
    ("article id", "articles", "article_id"),
    ("mention (article_id, entity_id)", "mentions", "article_id, entity_id"),
    ("outlet name", "sources", "name"),
    ("source id", "sources", "source_id"),
    ("feed url", "feeds", "url"),
    ("feed id", "feeds", "feed_id"),
    ("entity id", "entities", "entity_id"),
]
# Table and column names come only from the constants above, never from callers.
_DUPLICATE_GROUPS = (
    "SELECT count(*), coalesce(sum(n) - count(*), 0)"
    " FROM (SELECT count(*) AS n FROM {table} GROUP BY {key} HAVING count(*) > 1)"
)
_DUPLICATE_EXAMPLES = "SELECT {key} FROM {table} GROUP BY {key} HAVING count(*) > 1 ORDER BY 1 LIMIT ?"

_BAD_VALUES = [
    (
        "articles with an unknown date quality",
        "SELECT count(*) FROM articles WHERE date_quality NOT IN (SELECT unnest($qualities))",
    ),
    ("mentions with no occurrences", "SELECT count(*) FROM mentions WHERE occurrences < 1"),
]

_TABLES = ("sources", "feeds", "articles", "fetches", "entities", "aliases", "mentions", "events", "warehouse_facts")
_LAST_FEED_ID = "SELECT max(last_value) FROM duckdb_sequences() WHERE sequence_name = 'feed_ids'"
# A lake has no sequences: `lake import` kept what the file's had handed out.
_LAKE_LAST_FEED_ID = "SELECT max(last_value) FROM lake_sequences WHERE sequence_name = 'feed_ids'"
_HAS_LAKE_SEQUENCES = "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'lake_sequences'"
_APPLIED_MIGRATIONS = "SELECT version FROM schema_migrations ORDER BY version"
_HAS_MIGRATIONS_TABLE = "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'schema_migrations'"
_FACT = "SELECT value FROM warehouse_facts WHERE key = ?"
_HAS_VERSIONS_TABLE = "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'watchlist_versions'"
_NEWEST_VERSION = "SELECT version, watchlist_hash, action FROM watchlist_versions ORDER BY version DESC LIMIT 1"
_FILE_ACTIONS = ("install", "retally")  # versions made from the watchlist file in use
_ENTITY_IDS = "SELECT entity_id FROM entities ORDER BY entity_id"
# The newest by arrival: ids are computed from what an article is, so they say nothing of when it came.
_NEWEST = "ORDER BY fetched_at DESC, article_id DESC"
_RECOUNT_ARTICLES = f"SELECT article_id, title, summary FROM articles {_NEWEST} LIMIT ?"
_ALL_ARTICLES = "SELECT article_id, title, summary FROM articles ORDER BY article_id DESC"
_MENTIONS_OF_NEWEST = f"""
    SELECT m.article_id, m.entity_id, m.occurrences, m.in_title FROM mentions m
    WHERE m.article_id IN (SELECT article_id FROM articles {_NEWEST} LIMIT ?)
"""
_ALL_MENTIONS = "SELECT article_id, entity_id, occurrences, in_title FROM mentions"


def check_integrity(
    wh: Warehouse,
    *,
    watchlist_path: Path | None = None,
    recount_articles: int | None = DEFAULT_RECOUNT_ARTICLES,
) -> list[IntegrityProblem]:
    """Every problem found in the warehouse; empty when it is sound.

    `watchlist_path`, when given, is the watchlist the user means to count with: a
    stored tally made with another one is reported (run `newstally retally`).
    `recount_articles` newest articles are recounted with the stored watchlist and
    their stored mentions compared; None recounts every article.

    Raises WarehouseUnavailable when the file cannot be opened at all, and
    WatchlistInvalid when `watchlist_path` cannot be read.
    """
    wanted = load_watchlist(watchlist_path) if watchlist_path is not None else None
    with wh.reading() as connection:
        problems = _unreadable_tables(connection)
        if problems:
            return problems
        problems += _migration_problems(connection)
        watchlist, watchlist_problems = _watchlist_problems(connection, wanted)
        problems += watchlist_problems
        problems += _orphan_problems(connection)
        problems += _duplicate_problems(connection)
        problems += _value_problems(connection)
        if watchlist is not None:
            problems += _recount_problems(connection, watchlist, recount_articles)
        problems += _rollup_problems(connection)
    return problems


def _unreadable_tables(connection: duckdb.DuckDBPyConnection) -> list[IntegrityProblem]:
    """Tables that are missing or cannot be read to the end (damaged blocks fail their checksum here)."""
    problems = []
    for table in _TABLES:
        try:
            connection.execute(f"SELECT count(*), sum(hash(t)) FROM {table} t").fetchall()
        except duckdb.Error as error:
            problems.append(IntegrityProblem("readable", 1, f"table {table} cannot be read: {_first_line(error)}"))
    return problems


def _migration_problems(connection: duckdb.DuckDBPyConnection) -> list[IntegrityProblem]:
    shipped = {version: name for version, name, _ in migration_files()}
    has_table = fetch_one(connection.execute(_HAS_MIGRATIONS_TABLE))
    applied = (
        {row[0] for row in connection.execute(_APPLIED_MIGRATIONS).fetchall()} if has_table and has_table[0] else set()
    )
    problems = []
    missing = [shipped[version] for version in sorted(set(shipped) - applied)]
    if missing:
        problems.append(
            IntegrityProblem(
                "migrations",
                len(missing),
                f"not applied: {', '.join(missing)} (any write applies them, e.g. 'newstally retally')",
            )
        )
    unknown = sorted(applied - set(shipped))
    if unknown:
        problems.append(
            IntegrityProblem(
                "migrations",
                len(unknown),
                f"applied by a newer newstally: {', '.join(f'{v:04d}' for v in unknown)}; upgrade newstally",
            )
        )
    return problems


def _watchlist_problems(
    connection: duckdb.DuckDBPyConnection, wanted: Watchlist | None
) -> tuple[Watchlist | None, list[IntegrityProblem]]:
    """The stored watchlist (None when unusable) and what is wrong with it."""
    text_row = fetch_one(connection.execute(_FACT, ["watchlist_toml"]))
    hash_row = fetch_one(connection.execute(_FACT, ["watchlist_hash"]))
    if text_row is None:
        return None, [IntegrityProblem("watchlist", 1, "no watchlist stored: mentions cannot be checked")]
    try:
        watchlist = stored_watchlist(connection) or parse_watchlist(text_row[0], origin="stored watchlist")
    except WatchlistInvalid as error:
        return None, [IntegrityProblem("watchlist", 1, f"stored watchlist cannot be parsed: {_first_line(error)}")]
    problems = []
    stored_hash = hash_row[0] if hash_row else ""
    if stored_hash != watchlist.content_hash:
        problems.append(
            IntegrityProblem(
                "watchlist",
                1,
                f"stored hash {stored_hash or '(none)'} does not match the stored watchlist ({watchlist.content_hash})",
            )
        )
    stored_ids = {row[0] for row in connection.execute(_ENTITY_IDS).fetchall()}
    expected_ids = set(watchlist.entity_ids())
    if stored_ids != expected_ids:
        differing = sorted(stored_ids ^ expected_ids)
        problems.append(
            IntegrityProblem(
                "watchlist",
                len(differing),
                f"entities table differs from the stored watchlist: {', '.join(differing[:_EXAMPLES])}",
            )
        )
    newest = _newest_version(connection)
    if newest is not None and newest[1] != stored_hash:
        problems.append(
            IntegrityProblem(
                "watchlist",
                1,
                f"the newest watchlist version ({newest[1]}) is not the stored watchlist ({stored_hash or '(none)'})",
            )
        )
    # Once the watchlist was shaped in the warehouse (the dashboard, `watchlist import`, a revert),
    # the warehouse is its source and the file is only an export: a differing file is no problem.
    shaped_in_warehouse = newest is not None and newest[2] not in _FILE_ACTIONS
    if wanted is not None and wanted.content_hash != watchlist.content_hash and not shaped_in_warehouse:
        problems.append(
            IntegrityProblem(
                "watchlist",
                1,
                f"mentions were tallied with watchlist {watchlist.content_hash}, the watchlist file is"
                f" {wanted.content_hash}: run 'newstally retally'",
            )
        )
    return watchlist, problems


def _newest_version(connection: duckdb.DuckDBPyConnection) -> tuple | None:
    """(version, hash, action) of the newest watchlist version; None before migration 0007 or any version."""
    has_table = fetch_one(connection.execute(_HAS_VERSIONS_TABLE))
    if has_table is None or has_table[0] == 0:
        return None
    return fetch_one(connection.execute(_NEWEST_VERSION))


def _orphan_problems(connection: duckdb.DuckDBPyConnection) -> list[IntegrityProblem]:
    last_feed_row = fetch_one(connection.execute(_LAST_FEED_ID))
    no_sequence = last_feed_row is None or last_feed_row[0] is None
    if no_sequence and (fetch_one(connection.execute(_HAS_LAKE_SEQUENCES)) or [0])[0]:
        last_feed_row = fetch_one(connection.execute(_LAKE_LAST_FEED_ID))
    last_feed_id = int(last_feed_row[0]) if last_feed_row and last_feed_row[0] is not None else 0
    problems = []
    for name, count_query, example_query in _ORPHANS:
        if "$last_feed_id" in count_query:
            count_row = fetch_one(connection.execute(count_query, {"last_feed_id": last_feed_id}))
            examples = connection.execute(example_query, {"last_feed_id": last_feed_id, "limit": _EXAMPLES})
        else:
            count_row = fetch_one(connection.execute(count_query))
            examples = connection.execute(example_query, [_EXAMPLES])
        count = int(count_row[0]) if count_row else 0
        if count:
            problems.append(IntegrityProblem("orphans", count, f"{name}: {_listing(examples.fetchall())}"))
    return problems


def _duplicate_problems(connection: duckdb.DuckDBPyConnection) -> list[IntegrityProblem]:
    problems = []
    for name, table, key in _DUPLICATES:
        row = fetch_one(connection.execute(_DUPLICATE_GROUPS.format(table=table, key=key)))
        groups, extra_rows = (int(row[0]), int(row[1])) if row else (0, 0)
        if groups:
            examples = connection.execute(_DUPLICATE_EXAMPLES.format(table=table, key=key), [_EXAMPLES]).fetchall()
            problems.append(
                IntegrityProblem(
                    "duplicates",
                    extra_rows,
                    f"{name}: {groups} stored more than once, e.g. {_listing(examples)}",
                )
            )
    return problems


def _value_problems(connection: duckdb.DuckDBPyConnection) -> list[IntegrityProblem]:
    problems = []
    for name, query in _BAD_VALUES:
        parameters = {"qualities": [quality.value for quality in DateQuality]} if "$qualities" in query else None
        row = fetch_one(connection.execute(query, parameters))
        if row and row[0]:
            problems.append(IntegrityProblem("values", int(row[0]), name))
    return problems


def _recount_problems(
    connection: duckdb.DuckDBPyConnection, watchlist: Watchlist, recount_articles: int | None
) -> list[IntegrityProblem]:
    """Mentions of the newest articles against a fresh count with the stored watchlist."""
    if recount_articles is None:
        articles = connection.execute(_ALL_ARTICLES).fetchall()
        stored_rows = connection.execute(_ALL_MENTIONS).fetchall()
    else:
        articles = connection.execute(_RECOUNT_ARTICLES, [recount_articles]).fetchall()
        stored_rows = connection.execute(_MENTIONS_OF_NEWEST, [recount_articles]).fetchall()
    stored: dict[int, set[tuple[str, int, bool]]] = {}
    for article_id, entity_id, occurrences, in_title in stored_rows:
        stored.setdefault(article_id, set()).add((entity_id, occurrences, bool(in_title)))
    differing = []
    for article_id, title, summary in articles:
        counted = {
            (mention.entity_id, mention.occurrences, mention.in_title)
            for mention in watchlist.find_mentions(title, summary)
        }
        if counted != stored.get(article_id, set()):
            differing.append(article_id)
    if not differing:
        return []
    scope = "every article" if recount_articles is None else f"the newest {len(articles):,} articles"
    return [
        IntegrityProblem(
            "mentions",
            len(differing),
            f"stored mentions differ from a recount with the stored watchlist in {len(differing):,} of {scope},"
            f" e.g. article {', '.join(str(article_id) for article_id in sorted(differing)[:_EXAMPLES])}:"
            " run 'newstally retally'",
        )
    ]


def _rollup_problems(connection: duckdb.DuckDBPyConnection) -> list[IntegrityProblem]:
    """The series rollups against a recount of the stored articles and mentions (none before migration 0004)."""
    if not has_rollups(connection):
        return []
    article_keys, mention_keys = rollup_mismatches(connection)
    if not article_keys and not mention_keys:
        return []
    return [
        IntegrityProblem(
            "rollups",
            article_keys + mention_keys,
            f"series rollups differ from a recount of the articles in {article_keys:,} slot × outlet and"
            f" {mention_keys:,} slot × outlet × entity keys: run 'newstally retally'",
        )
    ]


def _listing(rows: list[tuple]) -> str:
    return ", ".join(" / ".join(str(value) for value in row) for row in rows)


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]
