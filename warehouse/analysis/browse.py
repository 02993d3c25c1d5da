"""Reads for browsing the corpus: the articles behind a count, volume and share of voice per outlet.

Dates are inclusive local calendar days in a chosen time zone, as in `warehouse.analysis.series`;
only articles whose date can be trusted are counted or matched by a date bound.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd

from warehouse.analysis.catalog import check_entities
from warehouse.analysis.series import zone
from warehouse.counting.collections import collection_source_ids
from warehouse.counting.queries import QUERY_MENTIONS_TABLE, parse_query, write_query_mentions
from warehouse.engine.db import Warehouse
from warehouse.engine.queries import load_query
from warehouse.errors import WarehouseError

__all__ = [
    "ARTICLE_COLUMNS",
    "SHARE_OF_VOICE_COLUMNS",
    "SOURCE_VOLUME_COLUMNS",
    "search_articles",
    "share_of_voice",
    "source_volume",
]

ARTICLE_COLUMNS = ["article_id", "published_at", "source", "title", "summary", "url", "entity_ids"]
SOURCE_VOLUME_COLUMNS = ["source", "articles"]
SHARE_OF_VOICE_COLUMNS = ["source", "entity_id", "articles", "total_articles", "share"]
MAX_PAGE_SIZE = 1000


_SEARCH_ARTICLES = load_query("search_articles")
# Each filter of search_articles, by the parameter it reads. Text is compared with strpos, not LIKE,
# so % and _ in it are plain characters; a date bound admits only dates that can be trusted.
_SEARCH_FILTERS = {
    "text": "(strpos(lower(a.title), lower($text)) > 0 OR strpos(lower(a.summary), lower($text)) > 0)",
    "source": "a.source_id IN (SELECT source_id FROM sources WHERE name = $source)",
    "source_ids": "list_contains($source_ids, a.source_id)",  # a collection's outlets
    "entity_id": "a.article_id IN (SELECT article_id FROM mentions WHERE entity_id = $entity_id)",
    "start_utc": "(a.published_at >= $start_utc AND a.date_quality IN ('ok', 'missing'))",
    "end_utc": "(a.published_at < $end_utc AND a.date_quality IN ('ok', 'missing'))",
    # Keyset paging: only the articles after the last one of the previous page, in the page order.
    "after_at": "(a.published_at < $after_at OR (a.published_at = $after_at AND a.article_id < $after_id))",
}
# The articles a query matched, written for this search by warehouse.counting.queries.write_query_mentions.
_QUERY_FILTER = f"a.article_id IN (SELECT article_id FROM {QUERY_MENTIONS_TABLE})"
_SOURCE_VOLUME = load_query("source_volume")
_SHARE_OF_VOICE = load_query("share_of_voice")


def _utc_midnight(day: date, zone_info: ZoneInfo) -> datetime:
    """Local midnight starting `day`, as the naive UTC the tables store."""
    return datetime.combine(day, time(0), tzinfo=zone_info).astimezone(UTC).replace(tzinfo=None)


def _utc_range(start: date | None, end: date | None, zone_info: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """[start, end] inclusive local days → a half-open naive-UTC interval; None leaves that side open."""
    start_utc = _utc_midnight(start, zone_info) if start is not None else None
    end_utc = _utc_midnight(end + timedelta(days=1), zone_info) if end is not None else None
    return start_utc, end_utc


def search_articles(
    wh: Warehouse,
    *,
    text: str | None = None,
    entity_id: str | None = None,
    source: str | None = None,
    start: date | None = None,
    end: date | None = None,
    tz: str = "UTC",
    limit: int = 50,
    offset: int = 0,
    query: str | None = None,
    after: tuple[datetime, int] | None = None,
    collection: str | None = None,
) -> tuple[pd.DataFrame, int]:
    """One page of matching articles, newest first, and how many match in all.

    `text` is a case-insensitive substring of the title or the summary, taken literally
    (no wildcards); `entity_id` keeps articles that mention that entity; `source` is an
    outlet's name; `start`..`end` are inclusive local days in `tz`; `query` keeps the articles
    an ad-hoc query matches, by the rules of series (warehouse.counting.queries). Blank or None means any.
    Columns: article_id, published_at (aware, in `tz`), source, title, summary, url, and
    entity_ids (a sorted list of the entities the article mentions). `collection` keeps its outlets' articles.

    `after` is (published_at, article_id) of the last article of a previous page: the page
    then starts right after it, and the count is of the matches from there on. Unlike an
    offset, it neither skips nor repeats an article when new ones arrive between pages.
    """
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise WarehouseError(f"limit must be between 1 and {MAX_PAGE_SIZE}, not {limit}")
    if offset < 0:
        raise WarehouseError(f"offset must not be negative, not {offset}")
    zone_info = zone(tz)
    start_utc, end_utc = _utc_range(start, end, zone_info)
    requested = {"text": text, "source": source, "entity_id": entity_id, "start_utc": start_utc, "end_utc": end_utc}
    filters: dict[str, object] = {name: value for name, value in requested.items() if value}
    parameters = {}
    if after is not None:
        filters["after_at"] = after[0].astimezone(UTC).replace(tzinfo=None) if after[0].tzinfo else after[0]
        parameters["after_id"] = after[1]
    searched = parse_query(query) if query and query.strip() else None
    with wh.reading() as connection:
        if collection is not None:
            filters["source_ids"] = collection_source_ids(connection, collection)
        conditions = [_SEARCH_FILTERS[name] for name in filters] + ([_QUERY_FILTER] if searched else [])
        statement = _SEARCH_ARTICLES.replace("{filters}", " AND ".join(conditions) or "true")
        if entity_id:
            check_entities(connection, [entity_id])
        if searched:
            write_query_mentions(connection, [searched], ["query"], start_utc=start_utc, end_utc=end_utc)
        found = connection.execute(statement, {**filters, **parameters, "limit": limit, "offset": offset}).df()
    total_count = int(found["total_count"].iloc[0])
    page = found.dropna(subset=["article_id"])
    published_at = pd.to_datetime(page["published_at"]).dt.tz_localize("UTC").dt.tz_convert(zone_info)
    frame = pd.DataFrame(
        {
            "article_id": page["article_id"].astype("int64"),
            "published_at": published_at,
            "source": page["source"].astype(str),
            "title": page["title"].astype(str),
            "summary": page["summary"].astype(str),
            "url": page["url"].astype(str),
            "entity_ids": [list(ids) for ids in page["entity_ids"]],
        },
        columns=ARTICLE_COLUMNS,
    )
    return frame.reset_index(drop=True), total_count


def source_volume(
    wh: Warehouse, *, start: date, end: date, tz: str = "UTC", collection: str | None = None
) -> pd.DataFrame:
    """source, articles: every outlet's (or the collection's) articles in `start`..`end` (inclusive local days in
    `tz`), busiest first."""
    start_utc, end_utc = _utc_range(start, end, zone(tz))
    with wh.reading() as connection:
        source_ids = collection_source_ids(connection, collection)
        counted = connection.execute(
            _SOURCE_VOLUME, {"start_utc": start_utc, "end_utc": end_utc, "source_ids": source_ids}
        ).df()
    return pd.DataFrame(
        {"source": counted["source"].astype(str), "articles": counted["articles"].astype("int64")},
        columns=SOURCE_VOLUME_COLUMNS,
    )


def share_of_voice(
    wh: Warehouse,
    entity_ids: list[str],
    *,
    start: date,
    end: date,
    tz: str = "UTC",
    collection: str | None = None,
) -> pd.DataFrame:
    """source, entity_id, articles, total_articles, share: for every outlet and each chosen entity.

    `articles` mention the entity, `total_articles` are all of the outlet's articles in
    `start`..`end` (inclusive local days in `tz`), and `share` is their ratio (0 for an
    outlet with none). Rows run by outlet, then entity in the order given. With `collection`, its outlets only.
    """
    start_utc, end_utc = _utc_range(start, end, zone(tz))
    if not entity_ids:
        return pd.DataFrame({name: pd.Series(dtype="object") for name in SHARE_OF_VOICE_COLUMNS})
    with wh.reading() as connection:
        check_entities(connection, entity_ids)
        counted = connection.execute(
            _SHARE_OF_VOICE,
            {
                "start_utc": start_utc,
                "end_utc": end_utc,
                "entity_ids": list(dict.fromkeys(entity_ids)),
                "source_ids": collection_source_ids(connection, collection),
            },
        ).df()
    order = {entity_id: position for position, entity_id in enumerate(dict.fromkeys(entity_ids))}
    counted = counted.assign(_order=counted["entity_id"].map(order)).sort_values(["source", "_order"], kind="stable")
    return pd.DataFrame(
        {
            "source": counted["source"].astype(str),
            "entity_id": counted["entity_id"].astype(str),
            "articles": counted["articles"].astype("int64"),
            "total_articles": counted["total_articles"].astype("int64"),
            "share": counted["share"].astype(float).round(6),
        },
        columns=SHARE_OF_VOICE_COLUMNS,
    ).reset_index(drop=True)
