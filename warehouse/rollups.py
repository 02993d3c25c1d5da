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
from importlib import resources

import duckdb
import pandas as pd

from warehouse.db import fetch_one

__all__ = ["ROLLUP_MIGRATION", "add_to_rollups", "has_rollups", "rebuild_rollups", "rollup_mismatches"]

ROLLUP_MIGRATION = 4  # the schema version that created slot_articles and slot_mentions


def _sql(name: str) -> str:
    return resources.files("warehouse.sql").joinpath(name).read_text(encoding="utf-8")


_SLOT_ARTICLES = _sql("rollup_slot_articles.sql")
_SLOT_MENTIONS = _sql("rollup_slot_mentions.sql")
# The just-stored articles have consecutive ids from one sequence, mostly at the end of
# the table: the range lets DuckDB skip every older row group before the exact semi join.
_NEW_ARTICLES_SCOPE = (
    "SEMI JOIN rollup_scope s ON a.article_id = s.article_id AND a.article_id BETWEEN $first_id AND $last_id"
)
_HAS_ROLLUPS = "SELECT count(*) FROM schema_migrations WHERE version = ?"
# Keys whose summed rollup differs from a recount of the articles and mentions (either side missing counts too).
_ARTICLE_MISMATCHES = """
    WITH kept AS (SELECT slot, source_id, sum(articles) AS articles FROM slot_articles GROUP BY ALL),
    counted AS (
        SELECT time_bucket(INTERVAL 15 MINUTE, published_at) AS slot, source_id, count(*) AS articles
        FROM articles WHERE date_quality IN ('ok', 'missing') GROUP BY ALL
    )
    SELECT count(*) FROM kept k FULL JOIN counted c USING (slot, source_id)
    WHERE k.articles IS DISTINCT FROM c.articles
"""
_MENTION_MISMATCHES = """
    WITH kept AS (
        SELECT slot, source_id, entity_id, sum(articles) AS articles, sum(mentions) AS mentions
        FROM slot_mentions GROUP BY ALL
    ),
    counted AS (
        SELECT time_bucket(INTERVAL 15 MINUTE, a.published_at) AS slot, a.source_id, m.entity_id,
               count(*) AS articles, sum(m.occurrences) AS mentions
        FROM mentions m JOIN articles a USING (article_id)
        WHERE a.date_quality IN ('ok', 'missing') GROUP BY ALL
    )
    SELECT count(*) FROM kept k FULL JOIN counted c USING (slot, source_id, entity_id)
    WHERE k.articles IS DISTINCT FROM c.articles OR k.mentions IS DISTINCT FROM c.mentions
"""


def has_rollups(connection: duckdb.DuckDBPyConnection) -> bool:
    """Whether this file has the rollup tables: a warehouse from an older version has not been migrated
    until a writing command opens it, and read-only commands must still answer meanwhile."""
    row = fetch_one(connection.execute(_HAS_ROLLUPS, [ROLLUP_MIGRATION]))
    return row is not None and row[0] > 0


def add_to_rollups(connection: duckdb.DuckDBPyConnection, article_ids: Sequence[int]) -> None:
    """Count just-stored, just-tallied articles into the rollups (in the caller's transaction)."""
    if not article_ids:
        return
    scope = pd.DataFrame({"article_id": pd.Series(article_ids, dtype="int64")})
    parameters = {"first_id": int(scope["article_id"].min()), "last_id": int(scope["article_id"].max())}
    connection.register("rollup_scope", scope)
    try:
        for query in (_SLOT_ARTICLES, _SLOT_MENTIONS):
            connection.execute(query.format(scope=_NEW_ARTICLES_SCOPE), parameters)
    finally:
        connection.unregister("rollup_scope")


def rebuild_rollups(connection: duckdb.DuckDBPyConnection) -> None:
    """Recount both rollups from every article and mention, one row per key (in the caller's transaction)."""
    connection.execute("DELETE FROM slot_articles")
    connection.execute("DELETE FROM slot_mentions")
    for query in (_SLOT_ARTICLES, _SLOT_MENTIONS):
        connection.execute(query.format(scope=""))


def rollup_mismatches(connection: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(slot × outlet keys, slot × outlet × entity keys) whose rollup disagrees with a recount."""
    articles = fetch_one(connection.execute(_ARTICLE_MISMATCHES))
    mentions = fetch_one(connection.execute(_MENTION_MISMATCHES))
    return (articles[0] if articles else 0), (mentions[0] if mentions else 0)
