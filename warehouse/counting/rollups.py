"""The slot rollups: bucketed articles and mentions per 15-minute UTC slot and outlet.

Series read these instead of joining every mention to its article (migration 0004 says
why 15 minutes serves every zone and bucket). They are derived like the mentions, and
written in the same transactions: `add_to_rollups` after new articles are stored and
tallied, `rebuild_rollups` when a retally replaces every mention, so a reader sees
rollups that agree with the mentions it would see. `rollup_mismatches` is the recount
`newstally check` compares them with.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypeAlias

import duckdb

from warehouse.engine.db import fetch_one
from warehouse.engine.queries import load_query

__all__ = [
    "PERIOD_ARTICLES",
    "ROLLUP_MIGRATION",
    "Period",
    "add_to_rollups",
    "article_periods",
    "has_rollups",
    "rebuild_entity_rollups",
    "rebuild_rollups",
    "rollup_mismatches",
]

ROLLUP_MIGRATION = 4  # the schema version that created slot_articles and slot_mentions
# A period of publication, [start, end), None for an open end (see `article_periods`).
Period: TypeAlias = tuple[datetime | None, datetime | None]


_SLOT_ARTICLES = load_query("rollup_slot_articles")
_SLOT_MENTIONS = load_query("rollup_slot_mentions")
# Each rollup table and the query (a SELECT over the articles in {scope} and {period}) that fills it.
_ROLLUPS = (("slot_articles", _SLOT_ARTICLES), ("slot_mentions", _SLOT_MENTIONS))
# Work over every article (a retally, the rollups' rebuild) runs a period of publication at a time,
# each holding about this many articles: at 10,000,000 articles, all of them at once did not fit
# the default memory cap (500MB) inside a retally's transaction; a period's do, with room to spare.
PERIOD_ARTICLES = 1_000_000
# The articles published in one of `article_periods`: $period_start and $period_end, NULL for open.
PERIOD_CONDITION = (
    "a.published_at >= coalesce($period_start, TIMESTAMP '-infinity')"
    " AND a.published_at < coalesce($period_end, TIMESTAMP 'infinity')"
)
_PERIOD_CUTS = (
    "SELECT [time_bucket(INTERVAL 15 MINUTE, moment) FOR moment IN quantile_disc(published_at, ?)] FROM articles"
)
# The just-stored articles: the exact semi join picks them. Their ids are hashes
# (warehouse.intake.identity), so the range between the smallest and the largest rarely
# lets DuckDB skip a row group; it costs nothing and helps a batch of one.
_NEW_ARTICLES_SCOPE = (
    "SEMI JOIN rollup_scope s ON a.article_id = s.article_id AND a.article_id BETWEEN $first_id AND $last_id"
)
_ENTITIES_SCOPE = "SEMI JOIN rollup_entities e ON m.entity_id = e.entity_id"
_HAS_ROLLUPS = "SELECT count(*) FROM schema_migrations WHERE version = ?"
# Keys whose summed rollup differs from a recount (either side missing counts too); {counted} is
# the query that fills the table, over every article.
_MISMATCHES = """
    WITH kept AS (SELECT {keys}, {sums} FROM {table} GROUP BY ALL),
    counted AS ({counted})
    SELECT count(*) FROM kept k FULL JOIN counted c USING ({keys})
    WHERE {differs}
"""
_ARTICLE_MISMATCHES = _MISMATCHES.format(
    keys="slot, source_id",
    sums="sum(articles) AS articles",
    table="slot_articles",
    counted=_SLOT_ARTICLES.format(scope="", period=""),
    differs="k.articles IS DISTINCT FROM c.articles",
)
_MENTION_MISMATCHES = _MISMATCHES.format(
    keys="slot, source_id, entity_id",
    sums="sum(articles) AS articles, sum(mentions) AS mentions",
    table="slot_mentions",
    counted=_SLOT_MENTIONS.format(scope="", period=""),
    differs="k.articles IS DISTINCT FROM c.articles OR k.mentions IS DISTINCT FROM c.mentions",
)


def has_rollups(connection: duckdb.DuckDBPyConnection) -> bool:
    """Whether this file has the rollup tables: a warehouse from an older version has not been migrated
    until a writing command opens it, and read-only commands must still answer meanwhile."""
    row = fetch_one(connection.execute(_HAS_ROLLUPS, [ROLLUP_MIGRATION]))
    return row is not None and row[0] > 0


def add_to_rollups(connection: duckdb.DuckDBPyConnection, article_ids: Sequence[int]) -> None:
    """Count just-stored, just-tallied articles into the rollups (in the caller's transaction)."""
    if not article_ids:
        return
    import pandas as pd

    scope = pd.DataFrame({"article_id": pd.Series(article_ids, dtype="int64")})
    parameters = {"first_id": int(scope["article_id"].min()), "last_id": int(scope["article_id"].max())}
    connection.register("rollup_scope", scope)
    try:
        for table, query in _ROLLUPS:
            statement = query.format(scope=_NEW_ARTICLES_SCOPE, period="")
            connection.execute(f"INSERT INTO {table} " + statement, parameters)
    finally:
        connection.unregister("rollup_scope")


def rebuild_rollups(connection: duckdb.DuckDBPyConnection, periods: Sequence[Period] | None = None) -> None:
    """Recount both rollups from every article and mention, one row per key (in the caller's transaction),
    a period at a time (`periods`, default `article_periods`): a slot lies in one period, so its rows are
    written once."""
    for table, query in _ROLLUPS:
        connection.execute(f"DELETE FROM {table}")
        _insert_by_period(connection, table, query, scope="", periods=periods)


def _insert_by_period(
    connection: duckdb.DuckDBPyConnection, table: str, query: str, *, scope: str, periods: Sequence[Period] | None
) -> None:
    for start, end in periods or article_periods(connection):
        statement = query.format(scope=scope, period=f" AND {PERIOD_CONDITION}")
        connection.execute(f"INSERT INTO {table} " + statement, {"period_start": start, "period_end": end})


def article_periods(connection: duckdb.DuckDBPyConnection) -> list[Period]:
    """Periods of publication, [start, end) with None for an open end, that together hold every article,
    each about `PERIOD_ARTICLES` of them (one open period when all fit in one), cut at rollup slot bounds."""
    row = fetch_one(connection.execute("SELECT count(*) FROM articles"))
    count = int(row[0]) if row else 0
    parts = -(-count // PERIOD_ARTICLES)
    if parts <= 1:
        return [(None, None)]
    cuts_row = fetch_one(connection.execute(_PERIOD_CUTS, [[step / parts for step in range(1, parts)]]))
    cuts: list[datetime] = sorted(set(cuts_row[0])) if cuts_row else []
    return list(zip([None, *cuts], [*cuts, None], strict=True))


def rebuild_entity_rollups(
    connection: duckdb.DuckDBPyConnection, entity_ids: Sequence[str], periods: Sequence[Period] | None = None
) -> None:
    """Recount the mention rollups of these entities only, after their mentions were re-tallied
    (in the caller's transaction), a period at a time as `rebuild_rollups`; slot_articles does not
    depend on the watchlist."""
    if not entity_ids:
        return
    import pandas as pd

    connection.register("rollup_entities", pd.DataFrame({"entity_id": pd.Series(list(entity_ids), dtype="object")}))
    try:
        connection.execute("DELETE FROM slot_mentions WHERE entity_id IN (SELECT entity_id FROM rollup_entities)")
        _insert_by_period(connection, "slot_mentions", _SLOT_MENTIONS, scope=_ENTITIES_SCOPE, periods=periods)
    finally:
        connection.unregister("rollup_entities")


def rollup_mismatches(connection: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(slot × outlet keys, slot × outlet × entity keys) whose rollup disagrees with a recount."""
    articles = fetch_one(connection.execute(_ARTICLE_MISMATCHES))
    mentions = fetch_one(connection.execute(_MENTION_MISMATCHES))
    return (articles[0] if articles else 0), (mentions[0] if mentions else 0)
