"""Co-mentions: which themes each leader's coverage is about, and how that changed.

Counting is SQL (`comention_counts`); the grid and the shares are pandas over its small result.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb
import pandas as pd

from warehouse.analysis.catalog import list_entities
from warehouse.counting.collections import collection_source_ids
from warehouse.engine.db import Warehouse, fetch_one
from warehouse.engine.queries import load_query
from warehouse.errors import WarehouseError

__all__ = ["COMENTION_COLUMNS", "comention_matrix", "comention_table"]

COMENTION_COLUMNS = [
    "leader_id",
    "theme_id",
    "leader_articles",
    "both_articles",
    "share",
    "previous_leader_articles",
    "previous_both_articles",
    "previous_share",
    "change",
]
DEFAULT_PERIOD_DAYS = 28
_COMENTION_COUNTS = load_query("comention_counts")
_LAST_BUCKETED_DAY = "SELECT max(published_at)::DATE FROM articles WHERE date_quality IN ('ok', 'missing')"


def comention_counts(
    connection: duckdb.DuckDBPyConnection,
    *,
    start: date,
    end: date,
    previous_start: date,
    source_ids: list[int] | None = None,
) -> pd.DataFrame:
    """period (current | previous), leader_id, theme_id (NULL: the leader's own total), articles.

    `source_ids` (a collection's outlets; None: every outlet) limits the articles counted.
    """
    return connection.execute(
        _COMENTION_COUNTS,
        {
            "previous_start_utc": datetime.combine(previous_start, datetime.min.time()),
            "start_utc": datetime.combine(start, datetime.min.time()),
            "end_utc": datetime.combine(end + timedelta(days=1), datetime.min.time()),
            "source_ids": source_ids,
        },
    ).df()


def last_bucketed_day(connection: duckdb.DuckDBPyConnection) -> date | None:
    """The UTC date of the newest article with a trustworthy date."""
    row = fetch_one(connection.execute(_LAST_BUCKETED_DAY))
    return row[0] if row else None


def comention_matrix(
    wh: Warehouse, *, start: date | None = None, end: date | None = None, collection: str | None = None
) -> pd.DataFrame:
    """Leaders × themes, one row per pair: the share of a leader's articles that also mention the theme.

    `start` and `end` are inclusive UTC dates; `end` defaults to the newest article's day
    and `start` to 28 days before and including `end`. The previous period is the one of
    equal length just before. share = both_articles / leader_articles (0 when the leader has
    no articles); change = share - previous_share, NaN when the previous period has no
    articles of that leader. Rows follow the watchlist order of leaders, then of themes.
    With `collection`, only its outlets' articles count.
    """
    with wh.reading() as connection:
        source_ids = collection_source_ids(connection, collection)
        if end is None:
            end = last_bucketed_day(connection) or date.today()
        if start is None:
            start = end - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
        if end < start:
            raise WarehouseError(f"the period ends ({end}) before it starts ({start})")
        previous_start = start - timedelta(days=(end - start).days + 1)
        counted = comention_counts(
            connection, start=start, end=end, previous_start=previous_start, source_ids=source_ids
        )
    return comention_table(counted, list_entities(wh))


def comention_table(counted: pd.DataFrame, entities: pd.DataFrame) -> pd.DataFrame:
    """The full leaders × themes grid with shares, from `comention_counts` rows and the entity list."""
    leaders = list(entities.loc[entities["kind"] == "leader", "entity_id"])
    themes = list(entities.loc[entities["kind"] == "theme", "entity_id"])
    grid = pd.MultiIndex.from_product([leaders, themes], names=["leader_id", "theme_id"])
    frame = pd.DataFrame(index=grid).reset_index()
    for period, prefix in (("current", ""), ("previous", "previous_")):
        rows = counted[counted["period"] == period]
        totals = rows[rows["theme_id"].isna()].set_index("leader_id")["articles"]
        pairs = rows[rows["theme_id"].notna()].set_index(["leader_id", "theme_id"])["articles"]
        frame[f"{prefix}leader_articles"] = frame["leader_id"].map(totals).fillna(0).astype("int64")
        both = pd.Series(list(zip(frame["leader_id"], frame["theme_id"], strict=True))).map(pairs.to_dict())
        frame[f"{prefix}both_articles"] = both.fillna(0).astype("int64").to_numpy()
        articles = frame[f"{prefix}leader_articles"]
        frame[f"{prefix}share"] = (frame[f"{prefix}both_articles"] / articles.where(articles > 0)).round(6)
    frame["change"] = (frame["share"] - frame["previous_share"]).round(6)
    frame["share"] = frame["share"].fillna(0.0)
    frame["previous_share"] = frame["previous_share"].fillna(0.0)
    return frame[COMENTION_COLUMNS]
