"""Time series of coverage: per entity, per bucket in a chosen time zone, per outlet or all.

Counting in SQL, zero-filling, smoothing and labelling in numpy; pandas only for the frame
`entity_series` returns (`series_columns` gives the same columns without it, for the CLI). Day, week and month
buckets are local calendar dates of the zone (a DST day is 23 or 25 hours long and
still one bucket); hour buckets are real hours, labelled with their UTC offset so the
repeated hour of an autumn DST change is two distinct buckets. docs/counting.md
states the rules, including `unique`, `smooth` and `complete`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import duckdb
import numpy as np

from warehouse.analysis.catalog import check_entities
from warehouse.analysis.health import ingest_completeness
from warehouse.counting.collections import collection_source_ids
from warehouse.counting.queries import keyed_queries, mentions_with_queries
from warehouse.counting.rollups import has_rollups
from warehouse.engine.db import Warehouse, fetch_one
from warehouse.engine.queries import load_query
from warehouse.errors import WarehouseError
from warehouse.rows import BUCKETS

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["BUCKETS", "SERIES_COLUMNS", "UnknownTimeZone", "entity_series", "series_columns"]

SERIES_COLUMNS = ["bucket_start", "entity_id", "articles", "mentions", "total_articles", "share"]
COMPLETE_COLUMN = "complete"
SHARE_BASE_COLUMN = "share_base"  # the articles a share divides: the bucket's, or the smoothing window's

_LOCAL = "timezone($tz, a.published_at::TIMESTAMPTZ)"
_BUCKET_EXPRESSIONS = {
    # An hour bucket is the instant the local hour began: correct for zones offset by :30 or :45 too.
    "hour": f"date_trunc('second', a.published_at) - to_seconds(minute({_LOCAL}) * 60 + second({_LOCAL}))",
    "day": f"date_trunc('day', {_LOCAL})",
    "week": f"date_trunc('week', {_LOCAL})",  # ISO weeks, starting Monday
    "month": f"date_trunc('month', {_LOCAL})",
}
# In UTC the stored naive timestamps are already local: no zone conversion per article.
_UTC_BUCKET_EXPRESSIONS = {
    "hour": "date_trunc('hour', a.published_at)",
    "day": "date_trunc('day', a.published_at)",
    "week": "date_trunc('week', a.published_at)",
    "month": "date_trunc('month', a.published_at)",
}


# Articles are counted per slot before the slots are bucketed: zone conversion per slot, not per article.
# Every offset since 1990 is a multiple of 15 minutes and changes on such a boundary.
_LOCAL_TIME_SLOT = "time_bucket(INTERVAL 15 MINUTE, a.published_at)"


_QUERY = load_query("entity_series")
_ALL_OUTLETS_QUERY = load_query("entity_series_all")
_UNIQUE_QUERY = load_query("entity_series_unique")
_ROLLUP_QUERY = load_query("entity_series_rollup")
_FIRST_BUCKETED_AT = "SELECT min(published_at) FROM articles WHERE date_quality IN ('ok', 'missing')"


class UnknownTimeZone(WarehouseError):
    """A time zone name that the IANA database does not know."""


@functools.cache
def _iana_zones() -> frozenset[str]:
    # ZoneInfo also opens any file under the zone folders (posix/…, right/…, localtime, posixrules),
    # which DuckDB's own zone database does not know: the query would fail, not the request.
    return frozenset(available_timezones() - {"localtime"})


def zone(name: str) -> ZoneInfo:
    try:
        if name != "UTC" and name not in _iana_zones():  # UTC, the default, spares listing the zones (20 ms)
            raise ZoneInfoNotFoundError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as error:
        # OSError: a name too long to be a file name ("file name too long").
        shown = name if len(name) <= 80 else f"{name[:77]}..."
        raise UnknownTimeZone(f"unknown time zone {shown!r}; use an IANA name like Europe/Berlin") from error


def _utc_bound(day: date, tz: ZoneInfo) -> datetime:
    """Local midnight starting `day`, as naive UTC."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC).replace(tzinfo=None)


def entity_series(
    wh: Warehouse,
    entity_ids: list[str],
    *,
    queries: Sequence[str] = (),
    bucket: str = "day",
    start: date | None = None,
    end: date | None = None,
    tz: str = "UTC",
    by_source: bool = False,
    with_entity: str | None = None,
    unique: bool = False,
    smooth: int = 1,
    completeness: bool = False,
    collection: str | None = None,
    share_bases: bool = False,
) -> pd.DataFrame:
    """The columns of `series_columns` as a frame."""
    import pandas as pd

    columns = series_columns(
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
        completeness=completeness,
        collection=collection,
        share_bases=share_bases,
    )
    return pd.DataFrame(columns)


def series_columns(
    wh: Warehouse,
    entity_ids: list[str],
    *,
    queries: Sequence[str] = (),
    bucket: str = "day",
    start: date | None = None,
    end: date | None = None,
    tz: str = "UTC",
    by_source: bool = False,
    with_entity: str | None = None,
    unique: bool = False,
    smooth: int = 1,
    completeness: bool = False,
    collection: str | None = None,
    share_bases: bool = False,
) -> dict[str, np.ndarray]:
    """Coverage series with no holes: bucket_start, [source,] entity_id, articles, mentions, total_articles, share.

    `start` and `end` are inclusive local dates in `tz`; without them the series spans
    the buckets that hold articles. `share` is articles / total_articles (0 when empty).
    With `with_entity`, articles and mentions count only articles that also mention it
    (co-mentions); total_articles stays all articles of the bucket. With `unique`, copies
    of one syndicated story within a row's bucket and outlets count once, in
    total_articles too. With `smooth` N > 1 every value is the trailing mean over the
    bucket and the N - 1 before it (fewer at the start of the data) and share the ratio
    of the window's sums. With `completeness`, a last column `complete` says whether
    every outlet in the row fetched all its feeds successfully on every UTC day the
    bucket (or smoothing window) touches. `queries` (warehouse.counting.queries) are counted like
    entities, their rows after the entities' with the query text as entity_id. With
    `collection` (warehouse.counting.collections) only its outlets count, in total_articles
    and so in share too. With `share_bases`, a last column `share_base` holds the articles each share
    divides: the bucket's total_articles, or with `smooth` the window's sum of them (a whole number).
    """
    if bucket not in BUCKETS:
        raise WarehouseError(f"unknown bucket {bucket!r}; use one of {', '.join(BUCKETS)}")
    if smooth < 1:
        raise WarehouseError(f"smoothing needs a window of 1 bucket or more, not {smooth}")
    zone_info = zone(tz)
    keyed = keyed_queries(queries, entity_ids)
    with wh.reading() as connection:
        check_entities(connection, entity_ids + ([with_entity] if with_entity else []))
        source_ids = collection_source_ids(connection, collection)
        outlets = _outlet_names(connection, source_ids)
        query_start = start
        if start is not None and smooth > 1:
            query_start = _lookback_start(connection, start, bucket, smooth, zone_info)
        start_utc = _utc_bound(query_start, zone_info) if query_start else datetime(1900, 1, 1)
        end_utc = _utc_bound(end + timedelta(days=1), zone_info) if end else datetime(2200, 1, 1)
        mentions = "mentions"
        if keyed:
            with_entities = bool(entity_ids or with_entity)
            mentions = mentions_with_queries(
                connection, keyed, start_utc=start_utc, end_utc=end_utc, with_entities=with_entities
            )
        counted_ids = [*entity_ids, *keyed]
        parameters: dict[str, object] = {
            "start_utc": start_utc,
            "end_utc": end_utc,
            "entity_ids": counted_ids,
            "source_ids": source_ids,
        }
        template = _template(
            connection, unique=unique, with_entity=with_entity, by_source=by_source, queries=bool(keyed)
        )
        if template is _ROLLUP_QUERY:
            parameters["by_source"] = by_source
        elif template is not _ALL_OUTLETS_QUERY:
            parameters.update(by_source=by_source, with_entity=with_entity)
        if tz != "UTC":
            parameters["tz"] = tz
        expressions = _UTC_BUCKET_EXPRESSIONS if tz == "UTC" else _BUCKET_EXPRESSIONS
        slot = _UTC_BUCKET_EXPRESSIONS[bucket] if tz == "UTC" else _LOCAL_TIME_SLOT
        query = template.replace("{slot_expression}", slot).replace("{bucket_expression}", expressions[bucket])
        counted = _Counted.of(connection.execute(query.replace("{mentions}", mentions), parameters))
    grid = _grid(counted, sorted(dict.fromkeys(counted_ids)), bucket, zone_info, query_start, end)
    if grid is None:
        return {name: np.array([], dtype=object) for name in _columns(by_source, completeness, share_bases)}
    if completeness:
        grid.complete = _complete(wh, grid, bucket, zone_info, by_source, outlets)
    if share_bases:
        grid.bases = grid.totals
    if smooth > 1:
        grid = grid.smoothed(smooth)
    if start is not None and query_start != start:
        grid = grid.since(_first_bucket(start, bucket, zone_info))
    columns = grid.columns(_labels(grid.buckets, bucket, zone_info), by_source=by_source)
    if keyed:
        texts = {key: query.text for key, query in keyed.items()}
        columns["entity_id"] = np.array([texts.get(key, key) for key in columns["entity_id"]], dtype=object)
    return columns


def _outlet_names(connection: duckdb.DuckDBPyConnection, source_ids: list[int] | None) -> frozenset[str] | None:
    """The names of a collection's outlets (None: every outlet), for judging completeness."""
    if source_ids is None:
        return None
    rows = connection.execute("SELECT name FROM sources WHERE list_contains($ids, source_id)", {"ids": source_ids})
    return frozenset(row[0] for row in rows.fetchall())


def _template(
    connection: duckdb.DuckDBPyConnection, *, unique: bool, with_entity: str | None, by_source: bool, queries: bool
) -> str:
    """The counting query for these options.

    Plain counts (every copy, no co-mention filter) come from the slot rollups, which
    hold them already summed per 15 minutes and outlet; co-mentions and unique stories
    depend on which articles, so they scan the articles. A warehouse not yet migrated to
    the rollups is scanned too: the answer is the same, only slower. So are queries, whose
    matches have no rollup: read beside the entities' mentions, through the same query.
    """
    if unique:
        return _UNIQUE_QUERY
    if with_entity:
        return _QUERY
    if not queries and has_rollups(connection):
        return _ROLLUP_QUERY
    return _QUERY if by_source else _ALL_OUTLETS_QUERY


def _columns(by_source: bool, completeness: bool, share_bases: bool = False) -> list[str]:
    return (
        ["bucket_start", *(["source"] if by_source else []), *SERIES_COLUMNS[1:]]
        + ([COMPLETE_COLUMN] if completeness else [])
        + ([SHARE_BASE_COLUMN] if share_bases else [])
    )


_KEY = "datetime64[us]"  # internal bucket keys: naive UTC instants for hours, local midnights otherwise
_HOUR = np.timedelta64(1, "h")
_DAY = np.timedelta64(1, "D")


def _bucket_of(day: date, bucket: str) -> np.datetime64:
    if bucket == "week":
        day = day - timedelta(days=day.weekday())
    elif bucket == "month":
        day = day.replace(day=1)
    return np.datetime64(day).astype(_KEY)


def _first_bucket(start: date, bucket: str, zone_info: ZoneInfo) -> np.datetime64:
    """The internal key of the bucket holding local midnight of `start`."""
    return np.datetime64(_utc_bound(start, zone_info), "us") if bucket == "hour" else _bucket_of(start, bucket)


def _bucket_range(first: np.datetime64, last: np.datetime64, bucket: str) -> np.ndarray:
    """Every bucket key from `first` to `last`, both included; `first` is a bucket's own key."""
    if bucket == "month":
        months = np.arange(first.astype("datetime64[M]"), last.astype("datetime64[M]") + 1)
        return months.astype(_KEY)
    step = {"hour": _HOUR, "day": _DAY, "week": 7 * _DAY}[bucket]
    return np.arange(first, last + np.timedelta64(1, "us"), step).astype(_KEY)


def _positions(keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Index of each value in the sorted `keys`, -1 where it is not one of them."""
    if not len(keys):
        return np.full(len(values), -1)
    found = np.searchsorted(keys, values)
    clipped = np.minimum(found, len(keys) - 1)
    return np.where(keys[clipped] == values, clipped, -1)


@dataclass(frozen=True)
class _Counted:
    """The counting query's rows as columns; articles and mentions are 0 where a bucket had no hit."""

    buckets: np.ndarray  # datetime64[us]
    sources: list[str]
    entity_ids: list[str | None]
    articles: np.ndarray
    mentions: np.ndarray
    totals: np.ndarray

    @classmethod
    def of(cls, result: duckdb.DuckDBPyConnection) -> _Counted:
        names = [column[0] for column in result.description or ()]
        rows = result.fetchall()
        at = {name: names.index(name) for name in names}

        def column(name: str) -> list:
            return [row[at[name]] for row in rows]

        def counts(name: str) -> np.ndarray:
            return np.array([value or 0 for value in column(name)], dtype="int64")

        return cls(
            buckets=np.array(column("bucket"), dtype=_KEY),
            sources=column("source"),
            entity_ids=column("entity_id"),
            articles=counts("articles"),
            mentions=counts("mentions"),
            totals=counts("total_articles"),
        )


def first_bucketed_at(connection: duckdb.DuckDBPyConnection) -> datetime | None:
    """When the earliest article that series count was published (naive UTC), or None without one."""
    row = fetch_one(connection.execute(_FIRST_BUCKETED_AT))
    return row[0] if row is not None else None


def _lookback_start(connection, start: date, bucket: str, smooth: int, zone_info: ZoneInfo) -> date:
    """A date early enough that the first bucket from `start` has smooth - 1 buckets before it.

    Never earlier than the first bucketed article (before it there is no data, not zero
    coverage), nor later than `start` itself.
    """
    days_back = {
        "hour": -(-(smooth - 1) // 23) + 1,  # a spring-forward day has 23 hours
        "day": smooth - 1,
        "week": 7 * (smooth - 1),
        "month": 31 * (smooth - 1),
    }[bucket]
    first_at = first_bucketed_at(connection)
    if first_at is None:
        return start
    first_local_day = first_at.replace(tzinfo=UTC).astimezone(zone_info).date()
    return max(start - timedelta(days=days_back), min(start, first_local_day))


@dataclass
class _Grid:
    """Counts on the full bucket × source × entity grid: the series before it becomes rows.

    `buckets` are internal keys: naive UTC instants for hours, local midnights otherwise.
    Values are integers until smoothing turns them into window means.
    """

    buckets: np.ndarray  # datetime64[us]
    sources: list[str]
    entity_ids: list[str]
    articles: np.ndarray  # buckets × sources × entities
    mentions: np.ndarray  # buckets × sources × entities
    totals: np.ndarray  # buckets × sources
    shares: np.ndarray  # buckets × sources × entities
    complete: np.ndarray | None = None  # buckets × sources
    bases: np.ndarray | None = None  # buckets × sources: the articles each share divides (window sums once smoothed)

    def smoothed(self, window: int) -> _Grid:
        """Trailing means over `window` buckets per source and entity; share from the window's sums.

        The share of a window is sum(articles) / sum(total_articles), not the mean of the
        buckets' shares: a quiet Sunday with 3 articles must not weigh as much as a weekday
        with 300, an empty bucket has no share to average, and the row keeps
        share = articles / total_articles. At the start of the data the window holds the
        buckets there are. `complete` holds only when every bucket of the window is complete.
        """
        filled = np.minimum(np.arange(1, len(self.buckets) + 1), window)
        articles, mentions, totals = (
            _window_sums(values, window) for values in (self.articles, self.mentions, self.totals)
        )
        complete = None
        if self.complete is not None:
            complete = _window_sums((~self.complete).astype("int64"), window) == 0
        return _Grid(
            self.buckets,
            self.sources,
            self.entity_ids,
            articles=np.round(articles / filled[:, None, None], 6),
            mentions=np.round(mentions / filled[:, None, None], 6),
            totals=np.round(totals / filled[:, None], 6),
            shares=_ratio(articles, totals[:, :, None]),
            complete=complete,
            bases=None if self.bases is None else _window_sums(self.bases, window),
        )

    def since(self, first: np.datetime64) -> _Grid:
        keep = self.buckets >= first
        return _Grid(
            self.buckets[keep],
            self.sources,
            self.entity_ids,
            self.articles[keep],
            self.mentions[keep],
            self.totals[keep],
            self.shares[keep],
            None if self.complete is None else self.complete[keep],
            None if self.bases is None else self.bases[keep],
        )

    def columns(self, labels: np.ndarray, *, by_source: bool) -> dict[str, np.ndarray]:
        """One row per bucket, source and entity, in that order."""
        buckets, sources, entities = len(self.buckets), len(self.sources), len(self.entity_ids)
        columns: dict[str, np.ndarray] = {"bucket_start": np.repeat(labels, sources * entities)}
        if by_source:
            columns["source"] = np.tile(np.repeat(np.array(self.sources, dtype=object), entities), buckets)
        columns["entity_id"] = np.tile(np.array(self.entity_ids, dtype=object), buckets * sources)
        columns["articles"] = self.articles.ravel()
        columns["mentions"] = self.mentions.ravel()
        columns["total_articles"] = np.repeat(self.totals.ravel(), entities)
        columns["share"] = self.shares.ravel()
        if self.complete is not None:
            columns[COMPLETE_COLUMN] = np.repeat(self.complete.ravel(), entities)
        if self.bases is not None:
            columns[SHARE_BASE_COLUMN] = np.repeat(self.bases.ravel(), entities)
        return columns


def _window_sums(values: np.ndarray, window: int) -> np.ndarray:
    """Sums over the `window` rows ending at each row (fewer at the start), exact for integers."""
    running = np.concatenate([np.zeros((1, *values.shape[1:]), dtype=values.dtype), np.cumsum(values, axis=0)])
    ends = np.arange(1, len(values) + 1)
    return running[ends] - running[np.maximum(ends - window, 0)]


def _grid(
    counted: _Counted,
    entity_ids: list[str],
    bucket: str,
    zone_info: ZoneInfo,
    start: date | None,
    end: date | None,
) -> _Grid | None:
    """Counts spread on every bucket of the span × outlet × entity, zeros where nothing was counted."""
    stamps = counted.buckets
    dated = stamps[~np.isnat(stamps)]
    first: np.datetime64 | None = dated.min() if len(dated) else None
    last: np.datetime64 | None
    if start:
        first = _first_bucket(start, bucket, zone_info)
    if end:
        after = _first_bucket(end + timedelta(days=1), bucket, zone_info)
        last = after - _HOUR if bucket == "hour" else _bucket_of(end, bucket)
    else:
        last = dated.max() if len(dated) else None
    sources = sorted(set(counted.sources))
    if first is None or last is None or not sources:
        return None
    buckets = _bucket_range(first, last, bucket)
    bucket_positions = _positions(buckets, stamps)
    source_index = {source: position for position, source in enumerate(sources)}
    source_positions = np.array([source_index[source] for source in counted.sources], dtype="int64")
    inside = bucket_positions >= 0
    totals = np.zeros((len(buckets), len(sources)), dtype="int64")
    totals[bucket_positions[inside], source_positions[inside]] = counted.totals[inside]
    articles = np.zeros((len(buckets), len(sources), len(entity_ids)), dtype="int64")
    mentions = np.zeros_like(articles)
    entity_index: dict[str | None, int] = {entity_id: position for position, entity_id in enumerate(entity_ids)}
    entity_positions = np.array([entity_index.get(entity_id, -1) for entity_id in counted.entity_ids], dtype="int64")
    hit = inside & (entity_positions >= 0)
    where = (bucket_positions[hit], source_positions[hit], entity_positions[hit])
    articles[where] = counted.articles[hit]
    mentions[where] = counted.mentions[hit]
    return _Grid(buckets, sources, entity_ids, articles, mentions, totals, _ratio(articles, totals[:, :, None]))


def _ratio(numerators: np.ndarray, denominators: np.ndarray) -> np.ndarray:
    """numerators / denominators rounded to 6 decimals, 0 where the denominator is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominators > 0, np.round(numerators / np.where(denominators > 0, denominators, 1), 6), 0.0)


def _utc_span(stamp: np.datetime64, bucket: str, zone_info: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a bucket in naive UTC, from its internal key."""
    moment: datetime = stamp.astype(_KEY).astype(datetime)
    if bucket == "hour":
        return moment, moment + timedelta(hours=1)
    first = moment.date()
    if bucket == "day":
        after = first + timedelta(days=1)
    elif bucket == "week":
        after = first + timedelta(days=7)
    else:
        after = (first.replace(day=1) + timedelta(days=32)).replace(day=1)
    return _utc_bound(first, zone_info), _utc_bound(after, zone_info)


def _complete(
    wh: Warehouse, grid: _Grid, bucket: str, zone_info: ZoneInfo, by_source: bool, outlets: frozenset[str] | None
) -> np.ndarray:
    """Per bucket and source: every outlet fetched all its feeds successfully on every UTC day the bucket touches.

    Outlets without registered feeds (archives, demo history) had nothing to fetch and
    count as complete. Completeness is kept per UTC day by the fetch log, so a local
    day in another zone touches two UTC days and needs both. `outlets` (a collection's)
    limits the judgement to those.
    """
    spans = [_utc_span(stamp, bucket, zone_info) for stamp in grid.buckets]
    first_day = spans[0][0].date()
    last_day = (spans[-1][1] - timedelta(microseconds=1)).date()
    days = ingest_completeness(wh, first_day, last_day)
    failed = days[~days["complete"].astype(bool)]
    if outlets is not None:
        failed = failed[failed["source"].isin(outlets)]
    failed_days: dict[str, set[date]] = {}
    for source, day in zip(failed["source"], failed["day"], strict=True):
        failed_days.setdefault(source if by_source else "", set()).add(day)
    complete = np.ones((len(grid.buckets), len(grid.sources)), dtype=bool)
    for column, source in enumerate(grid.sources):
        missing = failed_days.get(source)
        if not missing:
            continue
        for row, (span_start, span_end) in enumerate(spans):
            day = span_start.date()
            while datetime.combine(day, time(0)) < span_end:
                if day in missing:
                    complete[row, column] = False
                    break
                day += timedelta(days=1)
    return complete


def _labels(buckets: np.ndarray, bucket: str, zone_info: ZoneInfo) -> np.ndarray:
    """ISO 8601: a local date for day/week/month, the local time with its UTC offset for hours."""
    if bucket == "hour":
        moments = buckets.astype(_KEY).astype(datetime)
        return np.array(
            [moment.replace(tzinfo=UTC).astimezone(zone_info).isoformat() for moment in moments], dtype=object
        )
    return np.datetime_as_string(buckets, unit="D").astype(object)
