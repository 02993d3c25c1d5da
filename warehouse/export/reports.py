"""The rows of every report, shaped once: the CLI prints them, the HTTP API serves them, notebooks get them.

Each function here turns what a warehouse read returns into the rows and columns a user
sees, so `newstally spikes`, `GET /v1/spikes` and `wh.spikes()` cannot disagree. Rows are
dicts; `nested` keeps lists of objects (headlines, outlets) for JSON, otherwise they are
short text that a CSV cell or a terminal table can hold.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd

from warehouse.analysis.comentions import COMENTION_COLUMNS, comention_matrix
from warehouse.analysis.events import list_events
from warehouse.analysis.health import FeedHealth, feed_health
from warehouse.analysis.lens import LensResult, event_lens
from warehouse.analysis.series import entity_series
from warehouse.analysis.spikes import Episode, spike_episodes
from warehouse.engine.db import Warehouse
from warehouse.errors import WarehouseError
from warehouse.intake.feeds import list_sources
from warehouse.rows import Event

__all__ = [
    "COMENTION_REPORT_COLUMNS",
    "EPISODE_REPORT_COLUMNS",
    "EVENT_REPORT_COLUMNS",
    "FEED_STATUS_COLUMNS",
    "LENS_REPORT_COLUMNS",
    "METRICS",
    "SOURCE_REPORT_COLUMNS",
    "comention_report",
    "comention_rows",
    "episode_rows",
    "event_rows",
    "events_report",
    "feed_status_report",
    "feed_status_rows",
    "lens_report",
    "lens_rows",
    "series_table",
    "sources_report",
    "spikes_report",
]

METRICS = ("articles", "mentions", "share")

EPISODE_REPORT_COLUMNS = [
    "id",
    "entity_id",
    "start",
    "peak",
    "end",
    "peak_articles",
    "peak_total_articles",
    "peak_share",
    "baseline_share",
    "score",
    "headlines",
    "terms",
    "events",
]
LENS_REPORT_COLUMNS = [
    "id",
    "event_id",
    "entity_id",
    "window_articles",
    "window_share",
    "baseline_share",
    "lift",
    "peak_day",
    "days_to_peak",
    "outlets",
]
COMENTION_REPORT_COLUMNS = ["id", *COMENTION_COLUMNS]  # id: "leader:theme"
EVENT_REPORT_COLUMNS = ["id", "name", "start_date", "end_date", "place", "participants", "entity_ids"]
FEED_STATUS_COLUMNS = [
    "id",
    "source",
    "url",
    "state",
    "last_success_at",
    "last_error",
    "consecutive_failures",
    "new_per_day",
    "next_fetch_at",
    "disabled_reason",
]
SOURCE_REPORT_COLUMNS = ["id", "name", "homepage", "country", "language", "is_demo"]


def series_table(
    wh: Warehouse,
    entity_ids: list[str],
    *,
    queries: Sequence[str] = (),
    bucket: str = "day",
    start: date | None = None,
    end: date | None = None,
    tz: str = "UTC",
    by_source: bool = False,
    metric: str | None = None,
    with_entity: str | None = None,
    smooth: int = 1,
    unique: bool = False,
    complete: bool = False,
    collection: str | None = None,
) -> pd.DataFrame:
    """The rows of `newstally series`: `entity_series`, and with `metric` only that value column."""
    if metric is not None and metric not in METRICS:
        raise WarehouseError(f"unknown metric {metric!r}; use one of {', '.join(METRICS)}")
    frame = entity_series(
        wh,
        entity_ids,
        queries=queries,
        bucket=bucket,
        start=start,
        end=end,
        tz=tz,
        by_source=by_source,
        with_entity=with_entity,
        unique=unique,
        smooth=smooth,
        completeness=complete,
        collection=collection,
    )
    if metric:
        frame = frame[metric_columns(list(frame.columns), metric, complete)]
    return frame


def metric_columns(columns: list[str], metric: str, complete: bool) -> list[str]:
    """The series columns `metric` keeps: the row's keys, the one value, and `complete` when asked for."""
    keys = [name for name in columns if name in ("bucket_start", "source", "entity_id")]
    return [*keys, metric, *(["complete"] if complete else [])]


def episode_rows(episodes: Sequence[Episode], *, nested: bool) -> list[dict[str, Any]]:
    """One row per spike episode; headlines as objects when `nested`, else "title — outlet" text.

    Each row also carries `headline` (the top title) for a terminal table.
    """
    return [
        {
            "id": episode.episode_id,
            "entity_id": episode.entity_id,
            "start": episode.start,
            "peak": episode.peak,
            "end": episode.end,
            "peak_articles": episode.peak_articles,
            "peak_total_articles": episode.peak_total_articles,
            "peak_share": episode.peak_share,
            "baseline_share": episode.baseline_share,
            "score": episode.score,
            "headlines": [
                (
                    {
                        "article_id": headline.article_id,
                        "source": headline.source,
                        "published_at": headline.published_at.isoformat(),
                        "title": headline.title,
                        "url": headline.url,
                        "outlets": headline.outlets,
                    }
                    if nested
                    else f"{headline.title} — {headline.source}"
                )
                for headline in episode.headlines
            ],
            "terms": [term.term for term in episode.rising_terms],
            "events": [event.event_id for event in episode.events],
            "headline": episode.headlines[0].title if episode.headlines else "",
        }
        for episode in episodes
    ]


def spikes_report(
    wh: Warehouse,
    *,
    entity_ids: list[str] | None = None,
    queries: Sequence[str] = (),
    since: date | None = None,
    window_days: int = 28,
    threshold: float = 3.5,
    min_count: int = 5,
    nested: bool,
    collection: str | None = None,
) -> list[dict[str, Any]]:
    """The rows of `newstally spikes`."""
    episodes = spike_episodes(
        wh,
        entity_ids=entity_ids,
        queries=queries,
        since=since,
        window_days=window_days,
        threshold=threshold,
        min_count=min_count,
        collection=collection,
    )
    return episode_rows(episodes, nested=nested)


def lens_rows(result: LensResult, *, nested: bool) -> list[dict[str, Any]]:
    """One row per entity of an event lens, id `event:entity`; outlets as objects when `nested`, else text."""
    return [
        {
            "id": f"{result.event.event_id}:{entity.entity_id}",
            "event_id": result.event.event_id,
            "entity_id": entity.entity_id,
            "window_articles": entity.window_articles,
            "window_share": entity.window_share,
            "baseline_share": entity.baseline_share,
            "lift": entity.lift,
            "peak_day": entity.peak_day,
            "days_to_peak": entity.days_to_peak,
            "outlets": [
                (
                    {
                        "source": outlet.source,
                        "window_articles": outlet.window_articles,
                        "window_share": outlet.window_share,
                        "baseline_share": outlet.baseline_share,
                        "lift": outlet.lift,
                    }
                    if nested
                    else f"{outlet.source} ×{_lift_text(outlet.lift)} ({outlet.window_articles})"
                )
                for outlet in entity.outlets
            ],
        }
        for entity in result.entities
    ]


def lens_report(
    wh: Warehouse,
    event_id: str,
    *,
    window_days: int = 3,
    baseline_days: int = 28,
    nested: bool,
    collection: str | None = None,
) -> tuple[LensResult, list[dict[str, Any]]]:
    """The rows of `newstally event-lens`, and the lens itself (its days, for a caption)."""
    result = event_lens(wh, event_id, window_days=window_days, baseline_days=baseline_days, collection=collection)
    return result, lens_rows(result, nested=nested)


def _lift_text(lift: float | None) -> str:
    return "new" if lift is None else f"{lift:g}"


def comention_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """One row per leader and theme, id `leader:theme`; a missing change is None."""
    return [
        {
            "id": f"{row['leader_id']}:{row['theme_id']}",
            **{
                column: (None if isinstance(value, float) and math.isnan(value) else value)
                for column, value in row.items()
            },
        }
        for row in frame.to_dict("records")
    ]


def comention_report(
    wh: Warehouse, *, start: date | None = None, end: date | None = None, collection: str | None = None
) -> list[dict[str, Any]]:
    """The rows of `newstally comentions`."""
    return comention_rows(comention_matrix(wh, start=start, end=end, collection=collection))


def event_rows(events: Sequence[Event]) -> list[dict[str, Any]]:
    """One row per calendar event; participants and entity ids as lists."""
    return [
        {
            "id": event.event_id,
            "name": event.name,
            "start_date": event.start_date,
            "end_date": event.end_date,
            "place": event.place,
            "participants": list(event.participants),
            "entity_ids": list(event.entity_ids),
        }
        for event in events
    ]


def events_report(wh: Warehouse, *, start: date | None = None, end: date | None = None) -> list[dict[str, Any]]:
    """The rows of `newstally events list`."""
    return event_rows(list_events(wh, start=start, end=end))


def feed_status_rows(feeds: Sequence[FeedHealth]) -> list[dict[str, Any]]:
    """One row per feed as `newstally status` shows it."""
    return [
        {
            "id": feed.feed_id,
            "source": feed.source_name,
            "url": feed.url,
            "state": feed.state.value,
            "last_success_at": feed.last_success_at,
            "last_error": feed.last_error,
            "consecutive_failures": feed.consecutive_failures,
            "new_per_day": feed.new_items_per_day,
            "next_fetch_at": feed.next_fetch_at,
            "disabled_reason": feed.disabled_reason,
        }
        for feed in feeds
    ]


def feed_status_report(wh: Warehouse) -> list[dict[str, Any]]:
    """The rows of `newstally status`."""
    return feed_status_rows(feed_health(wh))


def sources_report(wh: Warehouse) -> list[dict[str, Any]]:
    """One row per outlet, by name."""
    return [
        {
            "id": source.source_id,
            "name": source.name,
            "homepage": source.homepage,
            "country": source.country,
            "language": source.language,
            "is_demo": source.is_demo,
        }
        for source in list_sources(wh)
    ]
