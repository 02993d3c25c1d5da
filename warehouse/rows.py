"""The row types the warehouse accepts and returns.

Ingest converts feed data into these at its boundary; nothing untyped crosses into
the warehouse. Datetimes are timezone-aware UTC on the way in and on the way out.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime

# The buckets a series counts in (`entity_series(bucket=...)`); here, not in analysis/series.py,
# so that a CLI can offer them without loading pandas and DuckDB.
BUCKETS = ("hour", "day", "week", "month")


class DateQuality(enum.StrEnum):
    """How far an article's `published_at` can be trusted for bucketing."""

    OK = "ok"
    MISSING = "missing"  # the feed gave no usable date; fetched time used instead
    FUTURE = "future"  # more than a day ahead of the fetch
    ANCIENT = "ancient"  # before 1990, usually a 1970 epoch default


class FetchOutcome(enum.StrEnum):
    """Every fetch ends as exactly one of these."""

    NEW_CONTENT = "new_content"
    NOT_MODIFIED = "not_modified"  # 304, or a 200 whose body hash is unchanged
    PARTIAL = "partial"  # parsed with errors (feedparser bozo) but items kept
    TRANSIENT_ERROR = "transient_error"  # timeouts, 5xx, 429: try again later
    PERMANENT_ERROR = "permanent_error"  # 404, 410, not a feed, bad URL


@dataclass(frozen=True)
class FetchedArticle:
    """One feed item, cleaned: the only shape ingest hands to the warehouse."""

    guid: str  # empty when the feed gave none
    url: str  # canonical link, empty when none
    title: str  # plain text
    summary: str  # plain text
    published_at: datetime | None  # UTC; None when the feed gave no usable date


@dataclass(frozen=True)
class FoundMentions:
    """Watchlist mentions found in some articles, column by column, and which watchlist found them.

    `articles` names each mention's article: its id once stored, or its position in a
    document's `KeyedArticles` when a parser process found it before the article was
    stored (the storing process then maps positions to ids, and uses the mentions only
    if the warehouse still tallies with the same watchlist).
    """

    watchlist_hash: str
    articles: list[int]
    entity_ids: list[str]
    occurrences: list[int]
    in_title: list[bool]

    def __len__(self) -> int:
        return len(self.articles)


@dataclass(frozen=True)
class KeyedArticles:
    """One document's articles, each story once, column by column with the keys they are stored by.

    Working these out needs no warehouse, so a parser process can do it
    (warehouse.intake.store.keyed_articles); as columns of strings and datetimes they
    cost little to send between processes, and storing them makes no object per article.
    """

    identity_keys: list[str]
    syndication_keys: list[str | None]
    dedupe_by_title: list[bool]  # whether the same-title rule applies (no guid, a title of 3 words or more)
    published_at: list[datetime]  # naive UTC as stored; the fetch time for an article without a date
    date_quality: list[str]
    guids: list[str]
    urls: list[str]
    titles: list[str]
    summaries: list[str]
    # The articles' mentions, by position, when found where the document was parsed; None: not looked for.
    mentions: FoundMentions | None = None

    def __len__(self) -> int:
        return len(self.identity_keys)


@dataclass(frozen=True)
class Source:
    """An outlet."""

    source_id: int
    name: str
    homepage: str
    country: str
    language: str
    is_demo: bool


@dataclass(frozen=True)
class Feed:
    """A feed URL of an outlet and what the fetcher remembers about it."""

    feed_id: int
    source_id: int
    source_name: str
    url: str
    title: str
    enabled: bool
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    next_fetch_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    consecutive_failures: int = 0
    disabled_reason: str | None = None  # why the fetcher disabled it (410, too many failures, moved onto another feed)
    poll_interval_seconds: int | None = None  # adapted to how often it has new items; None until first set
    not_modified_since: datetime | None = None  # UTC; start of the current unbroken run of 304 answers


@dataclass(frozen=True)
class FetchResult:
    """What one fetch of one feed produced, as the warehouse records it."""

    feed_id: int
    started_at: datetime  # UTC
    outcome: FetchOutcome
    duration_ms: int
    status_code: int | None = None
    bytes_received: int = 0
    error: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None
    articles: tuple[FetchedArticle, ...] = ()
    items_seen: int = 0
    moved_to: str | None = None  # the feed's new URL when every redirect on the way was permanent (301/308)
    retry_after: datetime | None = None  # UTC; the server's Retry-After on a 429 or 503
    # `articles` already keyed for storing, by the parser process that read them; `articles` is then empty.
    keyed: KeyedArticles | None = None


@dataclass(frozen=True)
class FeedPlan:
    """What the fetcher decided about a feed after one fetch; stored in the same transaction as the fetch."""

    next_fetch_at: datetime  # UTC
    poll_interval_seconds: int | None = None  # None keeps the stored interval
    disabled_reason: str | None = None  # set: the feed is disabled, and this says why


@dataclass(frozen=True)
class FeedListEntry:
    """A feed to register and the outlet it belongs to, as a feed list (OPML) gives them."""

    source_name: str
    url: str
    title: str = ""
    homepage: str = ""
    language: str = ""
    country: str = ""  # ISO 3166 code, from a `country` attribute (OPML has none of its own); collections use it


@dataclass(frozen=True)
class FeedPlans:
    """The fetcher's plan for a feed if the fetch brought new articles, and if it brought none.

    Only the warehouse can tell which articles are new; handed both plans, it picks one
    in the transaction that stores the fetch, and the policy stays the fetcher's.
    """

    if_new: FeedPlan
    if_none: FeedPlan

    def for_new(self, new_articles: int) -> FeedPlan:
        return self.if_new if new_articles > 0 else self.if_none


@dataclass(frozen=True)
class FetchArrival:
    """One fetch of one feed on its way into the warehouse: what it produced and what to do next."""

    result: FetchResult
    plan: FeedPlans | FeedPlan


@dataclass(frozen=True)
class Event:
    """A summit, meeting, call or election on the calendar."""

    event_id: str
    name: str
    start_date: date
    end_date: date
    participants: tuple[str, ...] = ()
    place: str = ""
    entity_ids: tuple[str, ...] = field(default=())  # watchlist ids of the participants
