"""How ingest is doing: each feed's health for `newstally status`, and which outlet-days were fetched at all.

Both read the feeds table beside the fetch log, so they tell what happened, not
what the scheduler meant to do. Completeness lets later views grey out days on
which an outlet's coverage looks low only because its feeds were not fetched.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from warehouse.engine.clock import from_stored, to_stored, utc_now
from warehouse.engine.db import Warehouse
from warehouse.engine.queries import load_query

if TYPE_CHECKING:  # imported where a frame is built: `newstally series` never imports pandas
    import pandas as pd

__all__ = ["COMPLETENESS_COLUMNS", "FAILING_AFTER", "FeedHealth", "FeedState", "feed_health", "ingest_completeness"]

# One or two failures in a row are weather (a deploy, a blip); three are a pattern.
FAILING_AFTER = 3
COMPLETENESS_COLUMNS = ["source", "day", "feeds", "feeds_fetched", "feeds_ok", "complete"]


_FEED_HEALTH = load_query("feed_health")
_INGEST_COMPLETENESS = load_query("ingest_completeness")


class FeedState(enum.StrEnum):
    """A feed's health in one word; FAILING and DISABLED need someone to look."""

    OK = "ok"
    NEW = "new"  # never fetched yet
    RETRYING = "retrying"  # failed lately, fewer than FAILING_AFTER times in a row
    FAILING = "failing"
    DISABLED = "disabled"  # by the fetcher: 410, too many failures, moved onto another feed


@dataclass(frozen=True)
class FeedHealth:
    """One feed as `newstally status` shows it."""

    feed_id: int
    source_name: str
    url: str
    enabled: bool
    disabled_reason: str | None
    last_success_at: datetime | None  # UTC
    last_failure_at: datetime | None  # UTC
    last_error: str | None  # of the latest fetch; None when it went cleanly
    consecutive_failures: int
    next_fetch_at: datetime | None  # UTC; None means due now
    new_items_per_day: float  # over the window, from the fetch log
    fetches_in_window: int

    @property
    def state(self) -> FeedState:
        if not self.enabled:
            return FeedState.DISABLED
        if self.consecutive_failures >= FAILING_AFTER:
            return FeedState.FAILING
        if self.consecutive_failures > 0:
            return FeedState.RETRYING
        if self.last_success_at is None:
            return FeedState.NEW
        return FeedState.OK

    @property
    def needs_attention(self) -> bool:
        return self.state in (FeedState.FAILING, FeedState.DISABLED)


def feed_health(wh: Warehouse, *, now: datetime | None = None, window_days: int = 7) -> list[FeedHealth]:
    """Every registered feed's health, by outlet; new items per day averaged over `window_days`."""
    window_start = to_stored((now or utc_now()) - timedelta(days=window_days))
    with wh.reading() as connection:
        rows = connection.execute(_FEED_HEALTH, {"window_start": window_start}).fetchall()
    return [
        FeedHealth(
            feed_id=row[0],
            source_name=row[1],
            url=row[2],
            enabled=row[3],
            disabled_reason=row[4],
            last_success_at=from_stored(row[5]),
            last_failure_at=from_stored(row[6]),
            last_error=row[7],
            consecutive_failures=row[8],
            next_fetch_at=from_stored(row[9]),
            new_items_per_day=round(float(row[10]) / window_days, 2),
            fetches_in_window=int(row[11]),
        )
        for row in rows
    ]


def ingest_completeness(wh: Warehouse, first_day: date, last_day: date) -> pd.DataFrame:
    """Per outlet with feeds and UTC day: feeds expected, fetched, fetched successfully, and `complete`.

    `complete` is true when every feed the outlet had that day was fetched
    successfully at least once. A day missing for an outlet had no feed to fetch.
    """
    import pandas as pd

    with wh.reading() as connection:
        frame = connection.execute(_INGEST_COMPLETENESS, {"first_day": first_day, "last_day": last_day}).df()
    frame["day"] = pd.to_datetime(frame["day"]).dt.date
    return frame[COMPLETENESS_COLUMNS]
