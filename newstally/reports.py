"""Rows of the analytics commands (spikes, event-lens, comentions), for people and for machines.

JSON keeps nested lists (headlines, outlets) as lists of objects and a missing number as
null; CSV and tables join lists with "; " so each record stays one line.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, TextIO

import pandas as pd

from newstally.output import print_rows

__all__ = [
    "COMENTION_REPORT_COLUMNS",
    "EPISODE_REPORT_COLUMNS",
    "EPISODE_TABLE_COLUMNS",
    "LENS_REPORT_COLUMNS",
    "comention_rows",
    "episode_rows",
    "lens_rows",
    "print_report",
]

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
# A table is read by a person on a terminal: the top headline and a few words are enough.
EPISODE_TABLE_COLUMNS = [
    "id",
    "peak",
    "end",
    "peak_articles",
    "peak_share",
    "baseline_share",
    "score",
    "headline",
    "terms",
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
COMENTION_REPORT_COLUMNS = [
    "id",
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


def episode_rows(episodes: Sequence[Any], *, nested: bool) -> list[dict[str, Any]]:
    """One row per spike episode; headlines as objects when `nested`, else "title — outlet" text."""
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


def lens_rows(result: Any, *, nested: bool) -> list[dict[str, Any]]:
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


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def print_report(
    rows: Sequence[dict[str, Any]], columns: Sequence[str], *, fmt: str, title: str = "", out: TextIO | None = None
) -> None:
    """Like output.print_rows, but JSON keeps nested objects and writes a missing value as null."""
    if fmt != "json":
        print_rows(rows, columns, fmt=fmt, title=title, out=out)
        return
    payload = [{column: _json_value(row.get(column)) for column in columns} for row in rows]
    (out or sys.stdout).write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
