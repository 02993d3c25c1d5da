"""The warehouse: the one DuckDB file, every SQL statement, and the rows it accepts.

Nothing outside this package opens DuckDB or writes SQL. Exceptions (warehouse.errors):

    WarehouseError
    ├── WarehouseUnavailable   the file cannot be opened or written
    │   └── WarehouseNotWritable   a write failed for lack of space or permission; nothing of it was stored
    ├── UnknownEntity / UnknownFeed / UnknownEvent
    ├── UnknownTimeZone
    └── WatchlistInvalid       a watchlist or events file that cannot be used
"""

from warehouse.articles import ArticleEvidence, UnknownArticle, explain_article
from warehouse.browse import search_articles, share_of_voice, source_volume
from warehouse.catalog import CorpusFacts, corpus_facts, list_entities, open_warehouse, require_entities
from warehouse.comention_outlets import OUTLET_DIVERGENCE_COLUMNS, comention_outlet_divergence
from warehouse.comentions import COMENTION_COLUMNS, comention_matrix
from warehouse.db import Warehouse
from warehouse.documents import FeedDocument, PreparedDocument, prepare_document, prepare_storing, store_documents
from warehouse.downloads import export_bundle
from warehouse.errors import (
    UnknownEntity,
    UnknownEvent,
    UnknownFeed,
    WarehouseError,
    WarehouseNotWritable,
    WarehouseUnavailable,
    WatchlistInvalid,
)
from warehouse.events import add_event, list_events, load_events, load_events_file, remove_event
from warehouse.fetch_log import move_feed, record_fetch, record_fetches
from warehouse.health import FeedHealth, FeedState, feed_health, ingest_completeness
from warehouse.integrity import IntegrityProblem, check_integrity
from warehouse.lake import LakeNotSupported, import_warehouse, init_lake, is_lake_target, maintain_lake
from warehouse.lens import (
    EntityLift,
    LensDays,
    LensResult,
    OutletLift,
    event_lens,
    lens_days,
)
from warehouse.registry import (
    add_feed,
    claim_due_feeds,
    due_feeds,
    enable_feed,
    ensure_source,
    get_feed,
    list_feeds,
    list_sources,
    release_abandoned_claims,
    release_feeds,
    remove_feed,
)
from warehouse.rows import (
    DateQuality,
    Event,
    Feed,
    FeedPlan,
    FetchedArticle,
    FetchOutcome,
    FetchResult,
    FoundMentions,
    KeyedArticles,
    Source,
)
from warehouse.series import BUCKETS, SERIES_COLUMNS, UnknownTimeZone, entity_series
from warehouse.spike_evidence import Headline, RisingTerm
from warehouse.spikes import Episode, detect_spikes, spike_episodes, spike_episodes_peaking_within
from warehouse.store import identity_key, keyed_articles, store_articles
from warehouse.syndication import ORIGINALITY_COLUMNS, coverage_originality
from warehouse.tally import current_watchlist, retally
from warehouse.watchlist import Watchlist, load_watchlist

__all__ = [
    "BUCKETS",
    "COMENTION_COLUMNS",
    "ORIGINALITY_COLUMNS",
    "OUTLET_DIVERGENCE_COLUMNS",
    "SERIES_COLUMNS",
    "ArticleEvidence",
    "CorpusFacts",
    "DateQuality",
    "EntityLift",
    "Episode",
    "Event",
    "Feed",
    "FeedDocument",
    "FeedHealth",
    "FeedPlan",
    "FeedState",
    "FetchOutcome",
    "FetchResult",
    "FetchedArticle",
    "FoundMentions",
    "Headline",
    "IntegrityProblem",
    "KeyedArticles",
    "LakeNotSupported",
    "LensDays",
    "LensResult",
    "OutletLift",
    "PreparedDocument",
    "RisingTerm",
    "Source",
    "UnknownArticle",
    "UnknownEntity",
    "UnknownEvent",
    "UnknownFeed",
    "UnknownTimeZone",
    "Warehouse",
    "WarehouseError",
    "WarehouseNotWritable",
    "WarehouseUnavailable",
    "Watchlist",
    "WatchlistInvalid",
    "add_event",
    "add_feed",
    "check_integrity",
    "claim_due_feeds",
    "comention_matrix",
    "comention_outlet_divergence",
    "corpus_facts",
    "coverage_originality",
    "current_watchlist",
    "detect_spikes",
    "due_feeds",
    "enable_feed",
    "ensure_source",
    "entity_series",
    "event_lens",
    "explain_article",
    "export_bundle",
    "feed_health",
    "get_feed",
    "identity_key",
    "import_warehouse",
    "ingest_completeness",
    "init_lake",
    "is_lake_target",
    "keyed_articles",
    "lens_days",
    "list_entities",
    "list_events",
    "list_feeds",
    "list_sources",
    "load_events",
    "load_events_file",
    "load_watchlist",
    "maintain_lake",
    "move_feed",
    "open_warehouse",
    "prepare_document",
    "prepare_storing",
    "record_fetch",
    "record_fetches",
    "release_abandoned_claims",
    "release_feeds",
    "remove_event",
    "remove_feed",
    "require_entities",
    "retally",
    "search_articles",
    "share_of_voice",
    "source_volume",
    "spike_episodes",
    "spike_episodes_peaking_within",
    "store_articles",
    "store_documents",
]
