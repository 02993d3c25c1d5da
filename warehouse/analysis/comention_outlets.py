"""Which outlets tie a leader to a theme far more, or far less, than all outlets together do.

The same counting as `warehouse.analysis.comentions` (articles mentioning the leader, and of those the
ones mentioning the theme too), split by outlet; the comparison with the whole is pandas.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd

from warehouse.counting.collections import collection_source_ids
from warehouse.engine.db import Warehouse
from warehouse.engine.queries import load_query
from warehouse.errors import WarehouseError

__all__ = ["OUTLET_DIVERGENCE_COLUMNS", "comention_outlet_divergence"]

OUTLET_DIVERGENCE_COLUMNS = [
    "source",
    "leader_id",
    "theme_id",
    "leader_articles",
    "both_articles",
    "share",
    "all_outlets_share",
    "difference",
]
DEFAULT_MIN_LEADER_ARTICLES = 5
_COUNTS = load_query("comention_outlet_counts")


def comention_outlet_divergence(
    wh: Warehouse,
    *,
    start: date,
    end: date,
    min_leader_articles: int = DEFAULT_MIN_LEADER_ARTICLES,
    limit: int = 10,
    collection: str | None = None,
) -> pd.DataFrame:
    """The outlet × leader × theme shares furthest from the all-outlets share, largest gap first.

    `start`..`end` are inclusive UTC days. share = both_articles / leader_articles within the
    outlet; all_outlets_share the same over every outlet; difference = share - all_outlets_share.
    Only outlets with at least `min_leader_articles` articles on the leader are compared, so one
    story cannot make a 100 % share. At most `limit` rows. With `collection`, its outlets only.
    """
    if end < start:
        raise WarehouseError(f"the period ends ({end}) before it starts ({start})")
    with wh.reading() as connection:
        source_ids = collection_source_ids(connection, collection)
        counted = connection.execute(
            _COUNTS,
            {
                "start_utc": datetime.combine(start, datetime.min.time()),
                "end_utc": datetime.combine(end + timedelta(days=1), datetime.min.time()),
                "source_ids": source_ids,
            },
        ).df()
    return outlet_divergence(counted, min_leader_articles=min_leader_articles, limit=limit)


def outlet_divergence(counted: pd.DataFrame, *, min_leader_articles: int, limit: int) -> pd.DataFrame:
    """The largest gaps between an outlet's share and all outlets', from `comention_outlet_counts.sql` rows."""
    if counted.empty:
        return pd.DataFrame({column: [] for column in OUTLET_DIVERGENCE_COLUMNS})
    leaders = counted[counted["theme_id"].isna()].drop(columns="theme_id")
    leaders = leaders.rename(columns={"articles": "leader_articles"})
    pairs = counted[counted["theme_id"].notna()].rename(columns={"articles": "both_articles"})
    themes = pairs["theme_id"].drop_duplicates()
    grid = leaders.merge(themes.to_frame(), how="cross").merge(
        pairs, on=["source", "leader_id", "theme_id"], how="left"
    )
    grid["both_articles"] = grid["both_articles"].fillna(0).astype("int64")
    grid["leader_articles"] = grid["leader_articles"].astype("int64")
    whole = grid.groupby(["leader_id", "theme_id"], as_index=False)[["leader_articles", "both_articles"]].sum()
    whole["all_outlets_share"] = whole["both_articles"] / whole["leader_articles"]
    grid = grid.merge(whole[["leader_id", "theme_id", "all_outlets_share"]], on=["leader_id", "theme_id"])
    grid = grid[grid["leader_articles"] >= min_leader_articles].copy()
    grid["share"] = (grid["both_articles"] / grid["leader_articles"]).round(6)
    grid["all_outlets_share"] = grid["all_outlets_share"].round(6)
    grid["difference"] = (grid["share"] - grid["all_outlets_share"]).round(6)
    grid["_gap"] = grid["difference"].abs()
    ranked = grid.sort_values(["_gap", "source", "leader_id", "theme_id"], ascending=[False, True, True, True])
    return ranked[OUTLET_DIVERGENCE_COLUMNS].head(limit).reset_index(drop=True)
