"""Turning articles into mentions with the watchlist stored in the warehouse, and re-tallying history.

The watchlist's TOML text is kept in the warehouse, so every process tallies with
exactly the rules the warehouse was last tallied with, and its hash says which.

Counting runs inside DuckDB (`tally_articles`): one regex scan per match pass
(warehouse.counting.patterns) over title and summary, the distinct matched texts mapped
back to entities in Python, mentions aggregated in SQL. The Python matcher
(`Watchlist.find_mentions`) counts the same and serves tiny batches, where compiling
the RE2 patterns costs more than matching a few articles in Python.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from warehouse.counting.patterns import MatchPass, sql_match_plan
from warehouse.counting.rollups import PERIOD_CONDITION, Period, article_periods, rebuild_rollups
from warehouse.counting.watchlist import Watchlist, load_watchlist, parse_watchlist
from warehouse.engine.clock import to_stored, utc_now
from warehouse.engine.db import Warehouse, fetch_one, set_fact
from warehouse.engine.queries import load_query
from warehouse.rows import FoundMentions

if TYPE_CHECKING:  # imported where a frame is built: `newstally series` never imports pandas
    import pandas as pd

__all__ = [
    "PYTHON_TALLY_MAX_ARTICLES",
    "current_watchlist",
    "install_watchlist",
    "recount_everything",
    "retally",
    "tally_articles",
]

# Below this many articles the Python matcher is faster than compiling and running the
# SQL passes (measured by bench/tally.py); both count the same, so only speed differs.
PYTHON_TALLY_MAX_ARTICLES = 5_000

_HITS_QUERY = load_query("tally_hits")
_MENTIONS_QUERY = load_query("tally_mentions")
_CREATE_HITS = (
    "CREATE OR REPLACE TEMP TABLE tally_hits"
    " (pass_number INTEGER, article_id BIGINT, matched VARCHAR, in_title BOOLEAN)"
)
_DISTINCT_MATCHED = "SELECT DISTINCT pass_number, matched FROM tally_hits"
_CREATE_RESCAN = (
    "CREATE OR REPLACE TEMP TABLE tally_rescan AS SELECT DISTINCT h.article_id FROM tally_hits h"
    " SEMI JOIN tally_exact_needed n ON n.pass_number = h.pass_number AND n.matched = h.matched"
)
_DROP_RESCANNED_HITS = "DELETE FROM tally_hits WHERE article_id IN (SELECT article_id FROM tally_rescan)"
_CLEAN_UP = ("DROP TABLE IF EXISTS tally_hits", "DROP TABLE IF EXISTS tally_rescan")
_SCOPES = {
    "period": f"WHERE {PERIOD_CONDITION}",
    "listed": "SEMI JOIN tally_scope s ON a.article_id = s.article_id",
    "rescan": "SEMI JOIN tally_rescan s ON a.article_id = s.article_id",
}
_MASK_STEP = "regexp_replace({text}, $mask_pattern_{step}, $mask_rewrite_{step}, 'g')"

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


def find_mentions_in(watchlist: Watchlist, articles: Iterable[tuple[int, str, str]]) -> FoundMentions:
    """Mentions of (article, title, summary) rows with the Python matcher, as columns; `article` is passed through."""
    found = FoundMentions(watchlist.content_hash, [], [], [], [])
    for article, title, summary in articles:
        for mention in watchlist.find_mentions(title, summary):
            found.articles.append(article)
            found.entity_ids.append(mention.entity_id)
            found.occurrences.append(mention.occurrences)
            found.in_title.append(mention.in_title)
    return found


def mention_rows(watchlist: Watchlist, articles: Iterable[tuple[int, str, str]]) -> pd.DataFrame:
    """Mentions of (article_id, title, summary) rows as a frame ready to insert."""
    return mention_frame(find_mentions_in(watchlist, articles))


def mention_frame(found: FoundMentions) -> pd.DataFrame:
    """Mentions whose `articles` are article ids, as a frame ready to insert."""
    import pandas as pd

    return pd.DataFrame(
        {
            "article_id": pd.Series(found.articles, dtype="int64"),
            "entity_id": pd.Series(found.entity_ids, dtype="object"),
            "occurrences": pd.Series(found.occurrences, dtype="int32"),
            "in_title": pd.Series(found.in_title, dtype="bool"),
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


def tally_articles(
    connection: duckdb.DuckDBPyConnection,
    watchlist: Watchlist,
    article_ids: Sequence[int] | None = None,
    *,
    periods: Sequence[Period] | None = None,
) -> int:
    """Insert the mentions of the listed articles (every article when None) in SQL; returns rows written.

    All in the caller's transaction: the hits table is temporary and the mentions appear all at once.
    Every article is tallied a period of publication at a time (`periods`, default `article_periods`),
    so the hits held at once stay within the memory cap however large the warehouse grows.
    """
    if article_ids is not None:
        return _tally(connection, watchlist, article_ids=article_ids) if article_ids else 0
    return sum(_tally(connection, watchlist, period=period) for period in periods or article_periods(connection))


def recount_everything(connection: duckdb.DuckDBPyConnection, watchlist: Watchlist) -> int:
    """Replace every mention and both rollups with a count of every article against `watchlist` (in the
    caller's transaction); returns the mention rows written. The periods are cut once for both."""
    connection.execute("DELETE FROM mentions")
    periods = article_periods(connection)
    written = tally_articles(connection, watchlist, periods=periods)
    rebuild_rollups(connection, periods)
    return written


def _tally(
    connection: duckdb.DuckDBPyConnection,
    watchlist: Watchlist,
    *,
    article_ids: Sequence[int] | None = None,
    period: Period = (None, None),
) -> int:
    with counted_hits(connection, watchlist, article_ids, period=period):
        row = fetch_one(connection.execute(_MENTIONS_QUERY))
    return int(row[0]) if row else 0


@contextmanager
def counted_hits(
    connection: duckdb.DuckDBPyConnection,
    watchlist: Watchlist,
    article_ids: Sequence[int] | None = None,
    *,
    period: Period = (None, None),
) -> Iterator[None]:
    """Within the block, every alias hit of the listed articles (when None, those published in
    `period`, default all, see rollups.article_periods) is in the temporary table `tally_hits`
    (pass_number, article_id, matched, in_title) and `tally_hit_entities` (pass_number, matched,
    entity_id) says whose it is; a hit that is no entity's has no row there.

    One scan of every article for all aliases and exclusions at once; the articles
    whose hits say an exclusion or an overlap between entities may be in play are
    scanned again exactly (warehouse.counting.patterns.SqlMatchPlan).
    """
    plan = sql_match_plan(watchlist)
    scope = "period"
    bounds: dict[str, object] = {"period_start": period[0], "period_end": period[1]}
    if article_ids is not None:
        import pandas as pd

        connection.register("tally_scope", pd.DataFrame({"article_id": pd.Series(article_ids, dtype="int64")}))
        scope, bounds = "listed", {}
    try:
        connection.execute(_CREATE_HITS)
        _scan(connection, plan.first_pass, pass_number=0, scope=scope, bounds=bounds)
        owners = _owners(connection, [plan.first_pass])
        needs_exact = [(number, text) for number, text, _, exact in owners if exact]
        if needs_exact:
            connection.register("tally_exact_needed", _frame(needs_exact, ["pass_number", "matched"]))
            connection.execute(_CREATE_RESCAN)
            connection.execute(_DROP_RESCANNED_HITS)
            for number, match_pass in enumerate(plan.exact_passes, start=1):
                _scan(connection, match_pass, pass_number=number, scope="rescan")
            owners = _owners(connection, [plan.first_pass, *plan.exact_passes])
        counted = [(number, text, entity_id) for number, text, entity_id, _ in owners if entity_id is not None]
        connection.register("tally_hit_entities", _frame(counted, ["pass_number", "matched", "entity_id"]))
        yield
    finally:
        _clean_up(connection)


def _clean_up(connection: duckdb.DuckDBPyConnection) -> None:
    """Drop counted_hits' temporary tables and views.

    In a transaction an error has aborted (out of memory in a scan, say) nothing more may run, and
    the rollback drops the tables anyway; the error that aborted it is the one worth reporting.
    """
    try:
        for statement in _CLEAN_UP:
            connection.execute(statement)
    except duckdb.TransactionException:
        pass
    for name in ("tally_hit_entities", "tally_exact_needed", "tally_scope"):
        connection.unregister(name)


def _scan(
    connection: duckdb.DuckDBPyConnection,
    match_pass: MatchPass,
    *,
    pass_number: int,
    scope: str,
    bounds: dict[str, object] | None = None,
) -> None:
    """Add one pass's hits over the articles in scope to the temporary hits table; `bounds` are
    the parameters of the "period" scope."""
    columns = {}
    for column in ("title", "summary"):
        text = f"a.{column}"
        for step in range(len(match_pass.masks)):
            text = _MASK_STEP.format(text=text, step=step)
        columns[f"{column}_text"] = text
    parameters: dict[str, object] = {
        "pass_number": pass_number,
        "extract_pattern": match_pass.extract_pattern,
        **(bounds or {}),
    }
    for step, (pattern, rewrite) in enumerate(match_pass.masks):
        parameters[f"mask_pattern_{step}"] = pattern
        parameters[f"mask_rewrite_{step}"] = rewrite
    connection.execute(_HITS_QUERY.format(scope=_SCOPES[scope], **columns), parameters)


def _owners(connection: duckdb.DuckDBPyConnection, passes: list[MatchPass]) -> list[tuple[int, str, str | None, bool]]:
    """Each distinct matched text of each pass with its entity and whether it calls for the exact scan."""
    rows = connection.execute(_DISTINCT_MATCHED).fetchall()
    return [(number, text, *passes[number].owner(text)) for number, text in rows]


def _frame(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    import pandas as pd

    dtypes = {"pass_number": "int32", "matched": "object", "entity_id": "object"}
    return pd.DataFrame(
        {name: pd.Series([row[i] for row in rows], dtype=dtypes[name]) for i, name in enumerate(columns)}
    )


def tally_new_articles(
    connection: duckdb.DuckDBPyConnection, watchlist: Watchlist, articles: Sequence[tuple[int, str, str]]
) -> int:
    """Mentions of just-stored (article_id, title, summary) rows: Python for a handful, SQL beyond."""
    if len(articles) <= PYTHON_TALLY_MAX_ARTICLES:
        frame = mention_rows(watchlist, articles)
        insert_mentions(connection, frame)
        return len(frame)
    return tally_articles(connection, watchlist, [article_id for article_id, _, _ in articles])


def write_watchlist(
    connection: duckdb.DuckDBPyConnection,
    watchlist: Watchlist,
    text: str,
    *,
    action: str = "retally",
    summary: str = "",
    entity_id: str | None = None,
    author: str | None = None,
) -> int:
    """Replace entities, aliases and the stored watchlist text (inside the caller's transaction).

    A text unlike the newest version's becomes a new version (what changed: `action`,
    `summary`, `entity_id`, `author`); returns the current version's number.
    """
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
        set_fact(connection, key, value)
    return _record_version(
        connection, watchlist, text, action=action, summary=summary, entity_id=entity_id, author=author
    )


_NEWEST_VERSION = "SELECT version, watchlist_hash FROM watchlist_versions ORDER BY version DESC LIMIT 1"


def _record_version(
    connection: duckdb.DuckDBPyConnection,
    watchlist: Watchlist,
    text: str,
    *,
    action: str,
    summary: str,
    entity_id: str | None,
    author: str | None,
) -> int:
    newest = fetch_one(connection.execute(_NEWEST_VERSION))
    if newest is not None and newest[1] == watchlist.content_hash:
        return int(newest[0])
    version = 1 if newest is None else int(newest[0]) + 1
    connection.execute(
        "INSERT INTO watchlist_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            version,
            to_stored(utc_now()),
            action,
            entity_id,
            summary or f"{len(watchlist.entities)} entities",
            author,
            text,
            watchlist.content_hash,
        ],
    )
    return version


def install_watchlist(connection: duckdb.DuckDBPyConnection, path: Path) -> Watchlist:
    """Load a watchlist file into a warehouse that has no articles yet."""
    watchlist = load_watchlist(path)
    write_watchlist(
        connection, watchlist, Path(path).read_text(encoding="utf-8"), action="install", summary=f"installed {path}"
    )
    return watchlist


def retally(wh: Warehouse, watchlist_path: Path) -> tuple[Watchlist, int]:
    """Re-count every article against a (possibly edited) watchlist, in one transaction.

    Readers see the old tallies until the commit and the new ones after it, never a
    mix, because the whole rebuild, the series rollups included, is one write
    transaction under the writer lock.
    Returns the watchlist and the number of mention rows written.
    """
    watchlist = load_watchlist(watchlist_path)
    text = Path(watchlist_path).read_text(encoding="utf-8")
    with wh.writing() as connection:
        write_watchlist(connection, watchlist, text, action="retally", summary=f"retally with {watchlist_path}")
        written = recount_everything(connection, watchlist)
    logger.info("retallied with watchlist %s: %d mention rows", watchlist.content_hash, written)
    return watchlist, written
