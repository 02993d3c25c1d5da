"""The warehouse: the one DuckDB file, every SQL statement, and the rows it accepts.

Nothing outside this package opens DuckDB or writes SQL. Exceptions (warehouse.errors):

    WarehouseError
    ├── WarehouseUnavailable   the file cannot be opened or written
    ├── UnknownEntity / UnknownFeed / UnknownEvent
    ├── UnknownTimeZone
    └── WatchlistInvalid       a watchlist or events file that cannot be used
"""

from warehouse.articles import ArticleEvidence, UnknownArticle, explain_article
from warehouse.catalog import CorpusFacts, corpus_facts, list_entities, open_warehouse, require_entities
from warehouse.db import Warehouse
from warehouse.errors import (
    UnknownEntity,
    UnknownEvent,
    UnknownFeed,
    WarehouseError,
    WarehouseUnavailable,
    WatchlistInvalid,
)
from warehouse.events import add_event, list_events, load_events, load_events_file, remove_event
from warehouse.registry import (
    add_feed,
    due_feeds,
    enable_feed,
    ensure_source,
    get_feed,
    list_feeds,
    list_sources,
    remove_feed,
)
from warehouse.rows import DateQuality, Event, Feed, FetchedArticle, FetchOutcome, FetchResult, Source
from warehouse.series import BUCKETS, SERIES_COLUMNS, UnknownTimeZone, entity_series
from warehouse.store import identity_key, record_fetch, store_articles
from warehouse.tally import current_watchlist, retally
from warehouse.watchlist import Watchlist, load_watchlist

__all__ = [
    "BUCKETS",
    "SERIES_COLUMNS",
    "ArticleEvidence",
    "CorpusFacts",
    "DateQuality",
    "Event",
    "Feed",
    "FetchOutcome",
    "FetchResult",
    "FetchedArticle",
    "Source",
    "UnknownArticle",
    "UnknownEntity",
    "UnknownEvent",
    "UnknownFeed",
    "UnknownTimeZone",
    "Warehouse",
    "WarehouseError",
    "WarehouseUnavailable",
    "Watchlist",
    "WatchlistInvalid",
    "add_event",
    "add_feed",
    "corpus_facts",
    "current_watchlist",
    "due_feeds",
    "enable_feed",
    "ensure_source",
    "entity_series",
    "explain_article",
    "get_feed",
    "identity_key",
    "list_entities",
    "list_events",
    "list_feeds",
    "list_sources",
    "load_events",
    "load_events_file",
    "load_watchlist",
    "open_warehouse",
    "record_fetch",
    "remove_event",
    "remove_feed",
    "require_entities",
    "retally",
    "store_articles",
]
