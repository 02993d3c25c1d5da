"""The morning digest's content: what rose and fell against the week before, the last day's spikes,
the coming week's events, and each watched entity's share."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import pandas as pd

import warehouse
from alerts.messages import DigestContent, EntityChange, SpikeLine, spikes_url
from warehouse import Warehouse

__all__ = ["MOVERS", "digest_content", "week_changes"]

MOVERS = 3  # entities listed as rising most, and as falling most


def week_changes(series: pd.DataFrame, names: dict[str, str], *, week_start: pd.Timestamp | str) -> list[EntityChange]:
    """Per entity of a daily `entity_series` frame: the share from `week_start` on against the share before it.

    A share over several days is their articles over their total articles, so a busy day
    weighs more than a quiet one, as in the series' smoothing.
    """
    if series.empty:
        return []
    frame = series.assign(recent=pd.to_datetime(series["bucket_start"]) >= pd.Timestamp(week_start))
    sums = frame.groupby(["entity_id", "recent"])[["articles", "total_articles"]].sum()
    changes = []
    for entity_id in dict.fromkeys(frame["entity_id"]):
        recent = sums.loc[(entity_id, True)] if (entity_id, True) in sums.index else None
        before = sums.loc[(entity_id, False)] if (entity_id, False) in sums.index else None
        share = (
            float(recent["articles"] / recent["total_articles"])
            if recent is not None and recent["total_articles"]
            else 0.0
        )
        previous = (
            float(before["articles"] / before["total_articles"])
            if before is not None and before["total_articles"]
            else 0.0
        )
        changes.append(
            EntityChange(
                entity_id=entity_id,
                name=names.get(entity_id, entity_id),
                share=share,
                previous_share=previous,
                articles=int(recent["articles"]) if recent is not None else 0,
            )
        )
    return changes


def digest_content(
    wh: Warehouse,
    *,
    day,
    time_zone: str,
    at: datetime,
    watched: Sequence[str],
    dashboard_url: str,
) -> DigestContent:
    """The digest for local `day`: weeks are the 7 local days before it against the 7 before those."""
    entities = warehouse.list_entities(wh)
    names = dict(zip(entities["entity_id"], entities["name"], strict=True))
    ids = list(names)
    week_start = day - timedelta(days=7)
    series = warehouse.entity_series(
        wh, ids, bucket="day", start=day - timedelta(days=14), end=day - timedelta(days=1), tz=time_zone
    )
    if not series.empty:
        series = series.assign(bucket_start=pd.to_datetime(series["bucket_start"].astype(str).str[:10]))
    changes = week_changes(series, names, week_start=pd.Timestamp(week_start))
    rose = sorted((c for c in changes if c.change > 0), key=lambda c: -c.change)[:MOVERS]
    fell = sorted((c for c in changes if c.change < 0), key=lambda c: c.change)[:MOVERS]
    by_id = {c.entity_id: c for c in changes}
    last_day = at.date() - timedelta(days=1)  # spike days are UTC days
    spikes = [
        episode
        for episode in warehouse.spike_episodes(wh, since=last_day, until=last_day)
        if episode.start <= last_day <= episode.end
    ]
    return DigestContent(
        day=day,
        rose=tuple(rose),
        fell=tuple(fell),
        spikes=tuple(
            SpikeLine(
                name=names.get(e.entity_id, e.entity_id),
                entity_id=e.entity_id,
                peak=e.peak,
                share=e.peak_share,
                usual_share=e.baseline_share,
                headline=e.headlines[0] if e.headlines else None,
                link=spikes_url(dashboard_url, e.entity_id, e.start),
            )
            for e in spikes
        ),
        events=tuple(warehouse.list_events(wh, start=day, end=day + timedelta(days=6))),
        watched=tuple(by_id[entity_id] for entity_id in dict.fromkeys(watched) if entity_id in by_id),
        link=dashboard_url,
    )
