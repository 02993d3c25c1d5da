"""The shapes the API promises in /openapi.json: provenance, and one row model per table.

They document what the routes send and let Schemathesis hold every response to them; the
rows themselves come from the warehouse's reports, the same dicts the CLI prints.
Columns a request can leave out (`source` without by_source, the value columns `metric`
drops, `complete`) are optional here.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field


class Meta(BaseModel):
    """Provenance: the fields of an export's FILE.meta.json sidecar, and the data version."""

    file: str = Field(description="the request's path and query")
    table: str
    command: list[str] = Field(description='["GET", path and query]')
    options: dict[str, Any] = Field(description="every parameter, defaults filled in")
    rows: int
    columns: list[str]
    watchlist_hash: str
    time_zone: str
    bucket: str
    counting_rules: str
    corpus: dict[str, Any] = Field(description="articles, sources, is_demo, first and last published_at")
    feeds: list[dict[str, Any]] = Field(description="id, source and url of every registered feed")
    product_version: str
    generated_at: str
    data_version: str = Field(description="changes with every write to the warehouse; the ETag is made from it")


class SeriesRow(BaseModel):
    bucket_start: str = Field(description="local date (day, week, month) or local time with its UTC offset (hour)")
    source: str | None = Field(None, description="the outlet, with by_source")
    entity_id: str
    articles: float | None = Field(None, description="a whole number unless smoothed")
    mentions: float | None = None
    total_articles: float | None = None
    share: float | None = None
    complete: bool | None = Field(None, description="with complete: every outlet's feeds fetched on those days")


class HeadlineObject(BaseModel):
    article_id: int
    source: str
    published_at: datetime
    title: str
    url: str
    outlets: int


class SpikeRow(BaseModel):
    id: str
    entity_id: str
    start: date
    peak: date
    end: date
    peak_articles: int
    peak_total_articles: int
    peak_share: float
    baseline_share: float
    score: float | None
    headlines: list[HeadlineObject]
    terms: list[str]
    events: list[str]


class OutletObject(BaseModel):
    source: str
    window_articles: int
    window_share: float
    baseline_share: float
    lift: float | None


class LensRow(BaseModel):
    id: str
    event_id: str
    entity_id: str
    window_articles: int
    window_share: float
    baseline_share: float
    lift: float | None
    peak_day: date | None
    days_to_peak: int | None
    outlets: list[OutletObject]


class ComentionRow(BaseModel):
    id: str
    leader_id: str
    theme_id: str
    leader_articles: int
    both_articles: int
    share: float | None
    previous_leader_articles: int
    previous_both_articles: int
    previous_share: float | None
    change: float | None


class ArticleRow(BaseModel):
    article_id: int
    published_at: datetime = Field(description="in the request's tz")
    source: str
    title: str
    summary: str
    url: str
    entity_ids: list[str]


class EntityRow(BaseModel):
    entity_id: str
    kind: str
    name: str


class EventRow(BaseModel):
    id: str
    name: str
    start_date: date
    end_date: date
    place: str
    participants: list[str]
    entity_ids: list[str]


class SourceRow(BaseModel):
    id: int
    name: str
    homepage: str
    country: str
    language: str
    is_demo: bool


class FeedRow(BaseModel):
    id: int
    source: str
    url: str
    state: str = Field(description="ok, new, retrying, failing or disabled")
    last_success_at: datetime | None
    last_error: str | None
    consecutive_failures: int
    new_per_day: float
    next_fetch_at: datetime | None
    disabled_reason: str | None


class SeriesTable(BaseModel):
    meta: Meta
    rows: list[SeriesRow]


class SpikesTable(BaseModel):
    meta: Meta
    rows: list[SpikeRow]


class LensTable(BaseModel):
    meta: Meta
    rows: list[LensRow]


class ComentionsTable(BaseModel):
    meta: Meta
    rows: list[ComentionRow]


class ArticlesTable(BaseModel):
    """A page of articles; `next_cursor` fetches the next one (null on the last page)."""

    meta: Meta
    rows: list[ArticleRow]
    next_cursor: str | None
    total_count: int = Field(description="matches from this page on")


class EntitiesTable(BaseModel):
    meta: Meta
    rows: list[EntityRow]


class EventsTable(BaseModel):
    meta: Meta
    rows: list[EventRow]


class SourcesTable(BaseModel):
    meta: Meta
    rows: list[SourceRow]


class FeedsTable(BaseModel):
    meta: Meta
    rows: list[FeedRow]


class Health(BaseModel):
    status: str
    product_version: str
