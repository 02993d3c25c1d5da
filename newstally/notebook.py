"""newstally in a notebook: `wh = newstally.open("data/newstally.duckdb")`, then tables as pandas DataFrames.

Each method returns the rows and columns of the CLI command (and API endpoint) of the same
name, read through the same warehouse functions; lists (headlines, outlets, entity ids)
stay lists of objects, as in the JSON output. Dates may be given as `date` or "YYYY-MM-DD";
the CLI's `--from`/`--to` are `start`/`end` here (`from` is a Python keyword). `query` is
the CLI's `--query`: a search in Lucene syntax, one text or a list of them
(`wh.series(query=['Putin AND sanction*'])`), whose rows carry the query as entity_id.
`collection` is the CLI's `--collection`: only that named group of outlets counts.

`newstally.open` takes what `--db` takes: a warehouse file, or a lake
(`newstally.open("ducklake:postgres:dbname=news host=db.example user=analyst")`), read the same way.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd

import warehouse
from newstally import settings

__all__ = ["NotebookWarehouse", "open"]

DateLike = date | str | None


def open(db: str | os.PathLike[str] | None = None, *, lake_data: str | None = None) -> NotebookWarehouse:
    """The warehouse at `db` (a file or a `ducklake:postgres:CONNINFO` lake, as `--db`), else NEWSTALLY_DB,
    else data/newstally.duckdb; read-only. `lake_data` (as `--lake-data`) reaches a lake's data files under
    another mount point than the one stored in its catalog."""
    target = os.fspath(db) if db is not None else None
    config = settings.resolve(target, lake_data=lake_data)
    if warehouse.is_lake_target(config.db_path):
        # The target as given: a path would fold a connection string's slashes (host=/run/postgresql//).
        lake = warehouse.Warehouse(target or os.environ.get("NEWSTALLY_DB") or "", lake_data=config.lake_data)
        if not lake.exists():
            raise warehouse.WarehouseUnavailable(
                f"no lake at {lake.path}: make one with 'newstally --db TARGET --lake-data DIR lake init',"
                " then 'lake import FILE'"
            )
        return NotebookWarehouse(lake)
    if not config.db_path.exists():
        raise warehouse.WarehouseUnavailable(
            f"no warehouse at {config.db_path}: pass the file 'newstally --db' uses, or set NEWSTALLY_DB"
        )
    return NotebookWarehouse(warehouse.Warehouse(config.db_path))


def _day(value: DateLike, name: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"bad {name} {value!r}: use a date or 'YYYY-MM-DD'") from None


def _ids(value: str | Sequence[str] | None) -> list[str] | None:
    if value is None:
        return None
    parts = value.split(",") if isinstance(value, str) else list(value)
    return [part.strip() for part in parts if part.strip()]


def _queries(value: str | Sequence[str] | None) -> list[str]:
    """One query or several: a query's text may hold commas, so a string is never split."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _frame(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame([{column: row.get(column) for column in columns} for row in rows], columns=list(columns))


class NotebookWarehouse:
    """One warehouse, read-only; cheap to keep around (it holds no connection between calls)."""

    def __init__(self, wh: warehouse.Warehouse) -> None:
        self.warehouse = wh

    def __repr__(self) -> str:
        return f"newstally.open({str(self.warehouse.path)!r})"

    def series(
        self,
        entity: str | Sequence[str] | None = None,
        *,
        query: str | Sequence[str] | None = None,
        bucket: str = "day",
        start: DateLike = None,
        end: DateLike = None,
        tz: str = "UTC",
        by_source: bool = False,
        metric: str | None = None,
        with_entity: str | None = None,
        smooth: int = 1,
        unique: bool = False,
        complete: bool = False,
        collection: str | None = None,
    ) -> pd.DataFrame:
        """`newstally series`: bucket_start, [source,] entity_id, articles, mentions, total_articles, share."""
        queries = _queries(query)
        if not _ids(entity) and not queries:
            raise ValueError("series needs an entity id (entity='putin') or a query (query='Putin AND summit')")
        return warehouse.series_table(
            self.warehouse,
            _ids(entity) or [],
            queries=queries,
            bucket=bucket,
            start=_day(start, "start"),
            end=_day(end, "end"),
            tz=tz,
            by_source=by_source,
            metric=metric,
            with_entity=with_entity,
            smooth=smooth,
            unique=unique,
            complete=complete,
            collection=collection,
        )

    def spikes(
        self,
        entity: str | Sequence[str] | None = None,
        *,
        query: str | Sequence[str] | None = None,
        since: DateLike = None,
        window: int = 28,
        threshold: float = 3.5,
        min_count: int = 5,
        collection: str | None = None,
    ) -> pd.DataFrame:
        """`newstally spikes`: one row per episode; `headlines` a list of dicts (title, source, url, ...)."""
        rows = warehouse.spikes_report(
            self.warehouse,
            entity_ids=_ids(entity),
            queries=_queries(query),
            since=_day(since, "since"),
            window_days=window,
            threshold=threshold,
            min_count=min_count,
            nested=True,
            collection=collection,
        )
        return _frame(rows, warehouse.EPISODE_REPORT_COLUMNS)

    def event_lens(
        self, event_id: str, *, window: int = 3, baseline: int = 28, collection: str | None = None
    ) -> pd.DataFrame:
        """`newstally event-lens`: per entity the lift around the event; `outlets` a list of dicts."""
        _, rows = warehouse.lens_report(
            self.warehouse, event_id, window_days=window, baseline_days=baseline, nested=True, collection=collection
        )
        return _frame(rows, warehouse.LENS_REPORT_COLUMNS)

    def comentions(
        self, *, start: DateLike = None, end: DateLike = None, collection: str | None = None
    ) -> pd.DataFrame:
        """`newstally comentions`: leaders × themes, share of the leader's articles mentioning the theme."""
        rows = warehouse.comention_report(
            self.warehouse, start=_day(start, "start"), end=_day(end, "end"), collection=collection
        )
        return _frame(rows, warehouse.COMENTION_REPORT_COLUMNS)

    def articles(
        self,
        text: str | None = None,
        *,
        query: str | None = None,
        entity: str | None = None,
        source: str | None = None,
        collection: str | None = None,
        start: DateLike = None,
        end: DateLike = None,
        tz: str = "UTC",
        limit: int | None = 1000,
    ) -> pd.DataFrame:
        """Matching articles, newest first, at most `limit` (None: all): as /v1/articles and the Articles page."""
        pages = []
        after = None
        wanted = limit
        while wanted is None or wanted > 0:
            page_size = 1000 if wanted is None else min(wanted, 1000)
            page, total = warehouse.search_articles(
                self.warehouse,
                text=text,
                query=query,
                entity_id=entity,
                source=source,
                start=_day(start, "start"),
                end=_day(end, "end"),
                tz=tz,
                limit=page_size,
                after=after,
                collection=collection,
            )
            pages.append(page)
            if wanted is not None:
                wanted -= len(page)
            if len(page) == total or page.empty:
                break
            last = page.iloc[-1]
            after = (last["published_at"].to_pydatetime(), int(last["article_id"]))
        return pd.concat(pages, ignore_index=True) if len(pages) > 1 else pages[0]

    def entities(self) -> pd.DataFrame:
        """The watchlist: entity_id, kind, name."""
        return warehouse.list_entities(self.warehouse)

    def events(self, *, start: DateLike = None, end: DateLike = None) -> pd.DataFrame:
        """`newstally events list`: the calendar."""
        rows = warehouse.events_report(self.warehouse, start=_day(start, "start"), end=_day(end, "end"))
        return _frame(rows, warehouse.EVENT_REPORT_COLUMNS)

    def sources(self) -> pd.DataFrame:
        """The outlets."""
        return _frame(warehouse.sources_report(self.warehouse), warehouse.SOURCE_REPORT_COLUMNS)

    def feeds(self) -> pd.DataFrame:
        """`newstally status`: each feed's health."""
        return _frame(warehouse.feed_status_report(self.warehouse), warehouse.FEED_STATUS_COLUMNS)
