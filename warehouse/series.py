"""Time series of coverage: per entity, per bucket in a chosen time zone, per outlet or all.

Counting in SQL, zero-filling and labelling in pandas. Day, week and month buckets
are local calendar dates of the zone (a DST day is 23 or 25 hours long and still
one bucket); hour buckets are real hours, labelled with their UTC offset so the
repeated hour of an autumn DST change is two distinct buckets.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from warehouse.catalog import check_entities
from warehouse.db import Warehouse
from warehouse.errors import WarehouseError

__all__ = ["BUCKETS", "SERIES_COLUMNS", "UnknownTimeZone", "entity_series"]

BUCKETS = ("hour", "day", "week", "month")
SERIES_COLUMNS = ["bucket_start", "entity_id", "articles", "mentions", "total_articles", "share"]

_LOCAL = "timezone($tz, a.published_at::TIMESTAMPTZ)"
_BUCKET_EXPRESSIONS = {
    # An hour bucket is the instant the local hour began: correct for zones offset by :30 or :45 too.
    "hour": f"date_trunc('second', a.published_at) - to_seconds(minute({_LOCAL}) * 60 + second({_LOCAL}))",
    "day": f"date_trunc('day', {_LOCAL})",
    "week": f"date_trunc('week', {_LOCAL})",  # ISO weeks, starting Monday
    "month": f"date_trunc('month', {_LOCAL})",
}
_QUERY = resources.files("warehouse.sql").joinpath("entity_series.sql").read_text(encoding="utf-8")


class UnknownTimeZone(WarehouseError):
    """A time zone name that the IANA database does not know."""


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise UnknownTimeZone(f"unknown time zone {name!r}; use an IANA name like Europe/Berlin") from error


def _utc_bound(day: date, tz: ZoneInfo) -> datetime:
    """Local midnight starting `day`, as naive UTC."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC).replace(tzinfo=None)


def entity_series(
    wh: Warehouse,
    entity_ids: list[str],
    *,
    bucket: str = "day",
    start: date | None = None,
    end: date | None = None,
    tz: str = "UTC",
    by_source: bool = False,
    with_entity: str | None = None,
) -> pd.DataFrame:
    """Coverage series with no holes: bucket_start, [source,] entity_id, articles, mentions, total_articles, share.

    `start` and `end` are inclusive local dates in `tz`; without them the series spans
    the buckets that hold articles. `share` is articles / total_articles (0 when empty).
    With `with_entity`, articles and mentions count only articles that also mention it
    (co-mentions); total_articles stays all articles of the bucket.
    """
    if bucket not in BUCKETS:
        raise WarehouseError(f"unknown bucket {bucket!r}; use one of {', '.join(BUCKETS)}")
    zone_info = zone(tz)
    start_utc = _utc_bound(start, zone_info) if start else datetime(1900, 1, 1)
    end_utc = _utc_bound(end + timedelta(days=1), zone_info) if end else datetime(2200, 1, 1)
    query = _QUERY.replace("{bucket_expression}", _BUCKET_EXPRESSIONS[bucket])
    with wh.reading() as connection:
        check_entities(connection, entity_ids + ([with_entity] if with_entity else []))
        counted = connection.execute(
            query,
            {
                "tz": tz,
                "start_utc": start_utc,
                "end_utc": end_utc,
                "by_source": by_source,
                "entity_ids": entity_ids,
                "with_entity": with_entity,
            },
        ).df()
        sources = [""]
        if by_source:
            sources = sorted(set(counted["source"])) or []
    return _zero_filled(counted, entity_ids, sources, bucket, zone_info, start, end, by_source)


_FREQUENCIES = {"hour": "h", "day": "D", "week": "W-MON", "month": "MS"}


def _bucket_of(day: date, bucket: str) -> pd.Timestamp:
    stamp = pd.Timestamp(day)
    if bucket == "week":
        return stamp - pd.Timedelta(days=stamp.weekday())
    if bucket == "month":
        return stamp.replace(day=1)
    return stamp


def _zero_filled(
    counted: pd.DataFrame,
    entity_ids: list[str],
    sources: list[str],
    bucket: str,
    zone_info: ZoneInfo,
    start: date | None,
    end: date | None,
    by_source: bool,
) -> pd.DataFrame:
    counted = counted.copy()
    counted["bucket"] = pd.to_datetime(counted["bucket"])
    if bucket == "hour":
        first_default = counted["bucket"].min() if len(counted) else None
        last_default = counted["bucket"].max() if len(counted) else None
        first = pd.Timestamp(_utc_bound(start, zone_info)) if start else first_default
        last = (
            (pd.Timestamp(_utc_bound(end + timedelta(days=1), zone_info)) - pd.Timedelta(hours=1))
            if end
            else last_default
        )
    else:
        first = _bucket_of(start, bucket) if start else (counted["bucket"].min() if len(counted) else None)
        last = _bucket_of(end, bucket) if end else (counted["bucket"].max() if len(counted) else None)
    columns = ["bucket_start", *(["source"] if by_source else []), *SERIES_COLUMNS[1:]]
    if first is None or last is None or pd.isna(first) or not sources:
        return pd.DataFrame({name: pd.Series(dtype="object") for name in columns})
    buckets = pd.date_range(first, last, freq=_FREQUENCIES[bucket])
    grid = pd.MultiIndex.from_product([buckets, sources, entity_ids], names=["bucket", "source", "entity_id"])
    totals = counted.groupby(["bucket", "source"])["total_articles"].first()
    hits = counted.dropna(subset=["entity_id"]).set_index(["bucket", "source", "entity_id"])[["articles", "mentions"]]
    frame = pd.DataFrame(index=grid).join(hits).fillna(0).reset_index()
    frame = frame.merge(totals.rename("total_articles").reset_index(), on=["bucket", "source"], how="left")
    frame["total_articles"] = frame["total_articles"].fillna(0).astype("int64")
    frame["articles"] = frame["articles"].astype("int64")
    frame["mentions"] = frame["mentions"].astype("int64")
    frame["share"] = (
        (frame["articles"] / frame["total_articles"].where(frame["total_articles"] > 0)).fillna(0.0).round(6)
    )
    frame["bucket_start"] = _labels(frame["bucket"], bucket, zone_info)
    frame = frame.sort_values(["bucket", "source", "entity_id"], kind="stable")
    return frame[columns].reset_index(drop=True)


def _labels(buckets: pd.Series, bucket: str, zone_info: ZoneInfo) -> pd.Series:
    """ISO 8601: a local date for day/week/month, the local time with its UTC offset for hours."""
    if bucket == "hour":
        local = pd.to_datetime(buckets).dt.tz_localize("UTC").dt.tz_convert(zone_info)
        return local.map(lambda stamp: stamp.isoformat())
    return pd.to_datetime(buckets).dt.strftime("%Y-%m-%d")
