"""The event lens: did an event move coverage? Each entity's share around the event against a baseline before it.

Counting comes from `entity_series` (SQL); choosing the days and computing lifts is plain
pandas over that small frame (`lens_days`, `entity_lifts`), testable without a database.
docs/spikes.md explains the method.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from warehouse.analysis.catalog import list_entities
from warehouse.analysis.events import list_events
from warehouse.analysis.series import entity_series
from warehouse.engine.db import Warehouse
from warehouse.errors import UnknownEvent, WarehouseError
from warehouse.rows import Event

__all__ = ["EntityLift", "LensDays", "LensResult", "OutletLift", "entity_lifts", "event_lens", "lens_days"]

MIN_OUTLET_ARTICLES = 3
OUTLETS_PER_ENTITY = 3


@dataclass(frozen=True)
class LensDays:
    """The UTC days an event is judged on: its window, and the baseline days before it that were kept."""

    window: tuple[date, ...]
    baseline: tuple[date, ...]
    excluded: tuple[date, ...]  # baseline days inside another event's window, left out


@dataclass(frozen=True)
class OutletLift:
    """How one outlet's coverage of an entity moved around the event."""

    source: str
    window_articles: int
    window_share: float  # mean daily share over the window days the outlet published on
    baseline_share: float
    lift: float | None  # window_share / baseline_share; None when the outlet never covered it in the baseline


@dataclass(frozen=True)
class EntityLift:
    """How an entity's coverage moved around the event, across all outlets."""

    entity_id: str
    window_articles: int
    window_share: float  # mean of the daily shares over the window days
    baseline_share: float  # mean of the daily shares over the kept baseline days
    lift: float | None  # window_share / baseline_share; None when the baseline share is 0
    peak_day: date | None
    days_to_peak: int | None  # peak_day minus the event's start; negative when coverage peaked before it
    outlets: tuple[OutletLift, ...]  # the outlets that moved most
    window_total_articles: int = 0  # all articles of the window days: what window_share is over
    baseline_total_articles: int = 0  # all articles of the kept baseline days


@dataclass(frozen=True)
class LensResult:
    event: Event
    days: LensDays
    entities: tuple[EntityLift, ...]  # largest lift first; entities with no baseline last


def lens_days(event: Event, calendar: list[Event], *, window_days: int = 3, baseline_days: int = 28) -> LensDays:
    """The window [start - window_days, end + window_days] and the `baseline_days` days before it.

    Baseline days that fall inside another event's window (same width) are left out, so
    a summit a fortnight earlier does not inflate the yardstick.
    """
    window_start = event.start_date - timedelta(days=window_days)
    window_end = event.end_date + timedelta(days=window_days)
    window = _days(window_start, window_end)
    candidates = _days(window_start - timedelta(days=baseline_days), window_start - timedelta(days=1))
    busy = {
        day
        for other in calendar
        if other.event_id != event.event_id
        for day in _days(other.start_date - timedelta(days=window_days), other.end_date + timedelta(days=window_days))
    }
    return LensDays(
        window=window,
        baseline=tuple(day for day in candidates if day not in busy),
        excluded=tuple(day for day in candidates if day in busy),
    )


def _days(first: date, last: date) -> tuple[date, ...]:
    return tuple(first + timedelta(days=offset) for offset in range((last - first).days + 1))


def entity_lifts(
    daily: pd.DataFrame,
    days: LensDays,
    *,
    event_start: date,
    min_outlet_articles: int = MIN_OUTLET_ARTICLES,
    outlets_per_entity: int = OUTLETS_PER_ENTITY,
) -> tuple[EntityLift, ...]:
    """Lift per entity, and its outlets that moved most, from a by-source daily series.

    `daily` has bucket_start (YYYY-MM-DD), source, entity_id, articles, total_articles, as
    `entity_series(..., by_source=True)` returns it. A day on which nothing was published
    (by anyone, or by that outlet) has no share and is left out of the means. Outlets
    need at least `min_outlet_articles` in the window to be ranked.
    """
    frame = daily.assign(day=pd.to_datetime(daily["bucket_start"]).dt.date)
    frame = frame[frame["day"].isin(set(days.window) | set(days.baseline))]
    frame = frame.assign(in_window=frame["day"].isin(set(days.window)))
    whole = frame.groupby(["entity_id", "day", "in_window"], as_index=False)[["articles", "total_articles"]].sum()
    whole_means = _mean_shares(whole, ["entity_id"])
    period_totals = whole.groupby(["entity_id", "in_window"])["total_articles"].sum()
    outlet_means = _mean_shares(frame, ["entity_id", "source"])
    with_share = whole.assign(share=_shares(whole)).dropna(subset=["share"])
    in_window = with_share[with_share["in_window"]].sort_values(["entity_id", "day"], kind="stable")
    peak_days = in_window.loc[in_window.groupby("entity_id")["share"].idxmax(), ["entity_id", "day"]]
    peak_by_entity = dict(zip(peak_days["entity_id"], peak_days["day"], strict=True))
    outlets_by_entity: dict[str, list[OutletLift]] = {}
    for record in outlet_means.itertuples(index=False):
        if record.window_articles >= min_outlet_articles:
            outlets_by_entity.setdefault(record.entity_id, []).append(
                OutletLift(
                    source=record.source,
                    window_articles=int(record.window_articles),
                    window_share=round(record.window_share, 6),
                    baseline_share=round(record.baseline_share, 6),
                    lift=_lift(record.window_share, record.baseline_share),
                )
            )
    lifts = []
    for record in whole_means.itertuples(index=False):
        if record.window_articles == 0 and record.baseline_share == 0:
            continue
        peak_day = peak_by_entity.get(record.entity_id) if record.window_articles > 0 else None
        outlets = sorted(
            outlets_by_entity.get(record.entity_id, []),
            key=lambda outlet: (outlet.lift is None, -(outlet.lift or 0.0), outlet.source),
        )
        lifts.append(
            EntityLift(
                entity_id=str(record.entity_id),
                window_articles=int(record.window_articles),
                window_share=round(record.window_share, 6),
                baseline_share=round(record.baseline_share, 6),
                lift=_lift(record.window_share, record.baseline_share),
                peak_day=peak_day,
                days_to_peak=(peak_day - event_start).days if peak_day is not None else None,
                outlets=tuple(outlets[:outlets_per_entity]),
                window_total_articles=int(period_totals.get((record.entity_id, True), 0)),
                baseline_total_articles=int(period_totals.get((record.entity_id, False), 0)),
            )
        )
    lifts.sort(key=lambda lift: (lift.lift is None, -(lift.lift or 0.0), lift.entity_id))
    return tuple(lifts)


def _shares(rows: pd.DataFrame) -> pd.Series:
    """articles / total_articles; NaN on a day with no articles at all, which has no share."""
    return rows["articles"] / rows["total_articles"].where(rows["total_articles"] > 0)


def _mean_shares(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per key: window_share and baseline_share (means of the daily shares, NaN days skipped), window_articles."""
    shares = rows.assign(share=_shares(rows), window_count=rows["articles"].where(rows["in_window"], 0))
    means = shares.pivot_table(index=keys, columns="in_window", values="share", aggfunc="mean", dropna=False)
    means = means.reindex(columns=[True, False]).fillna(0.0)
    means.columns = ["window_share", "baseline_share"]
    counts = shares.groupby(keys)["window_count"].sum().rename("window_articles")
    return means.join(counts, how="outer").fillna(0.0).reset_index()


def _lift(window_share: float, baseline_share: float) -> float | None:
    return round(window_share / baseline_share, 3) if baseline_share > 0 else None


def event_lens(
    wh: Warehouse,
    event_id: str,
    *,
    window_days: int = 3,
    baseline_days: int = 28,
    calendar: Sequence[Event] | None = None,
    entity_ids: Sequence[str] | None = None,
    collection: str | None = None,
) -> LensResult:
    """Every entity's lift around one calendar event, per outlet too; UTC days.

    `calendar` (every event) and `entity_ids` (every entity on the watchlist) are read from the
    warehouse unless given: a caller that holds them already saves a connection for each.
    With `collection`, only its outlets count, in the shares' totals too.
    """
    if window_days < 0 or baseline_days < 1:
        raise WarehouseError(
            f"the window needs 0 days or more and the baseline 1 or more, not {window_days} and {baseline_days}"
        )
    calendar = list(calendar) if calendar is not None else list_events(wh)
    event = next((candidate for candidate in calendar if candidate.event_id == event_id), None)
    if event is None:
        raise UnknownEvent(f"no event with id {event_id!r} (see 'newstally events list')")
    days = lens_days(event, calendar, window_days=window_days, baseline_days=baseline_days)
    entity_ids = list(entity_ids) if entity_ids is not None else list(list_entities(wh)["entity_id"])
    daily = entity_series(
        wh,
        entity_ids,
        start=days.window[0] - timedelta(days=baseline_days),
        end=days.window[-1],
        by_source=True,
        collection=collection,
    )
    return LensResult(event=event, days=days, entities=entity_lifts(daily, days, event_start=event.start_date))
