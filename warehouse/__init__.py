"""The warehouse: the one DuckDB file, every SQL statement, and the rows it accepts.

Nothing outside this package opens DuckDB or writes SQL. Exceptions (warehouse.errors):

    WarehouseError
    ├── WarehouseUnavailable   the file cannot be opened or written
    │   └── WarehouseNotWritable   a write failed for lack of space or permission; nothing of it was stored
    ├── UnknownEntity / UnknownFeed / UnknownEvent
    ├── UnknownTimeZone
    └── WatchlistInvalid       a watchlist or events file that cannot be used
"""

from warehouse.analysis.browse import search_articles, share_of_voice, source_volume
from warehouse.analysis.catalog import CorpusFacts, corpus_facts, list_entities, open_warehouse, require_entities
from warehouse.analysis.comention_outlets import OUTLET_DIVERGENCE_COLUMNS, comention_outlet_divergence
from warehouse.analysis.comentions import COMENTION_COLUMNS, comention_matrix
from warehouse.analysis.events import add_event, list_events, load_events, load_events_file, remove_event
from warehouse.analysis.evidence import Headline, RisingTerm
from warehouse.analysis.explain import ArticleEvidence, UnknownArticle, explain_article
from warehouse.analysis.health import FeedHealth, FeedState, feed_health, ingest_completeness
from warehouse.analysis.lens import (
    EntityLift,
    LensDays,
    LensResult,
    OutletLift,
    event_lens,
    lens_days,
)
from warehouse.analysis.series import BUCKETS, SERIES_COLUMNS, UnknownTimeZone, entity_series
from warehouse.analysis.spikes import Episode, detect_spikes, spike_episodes, spike_episodes_peaking_within
from warehouse.analysis.syndication import ORIGINALITY_COLUMNS, coverage_originality
from warehouse.counting.tally import current_watchlist, retally
from warehouse.counting.watchlist import Watchlist, load_watchlist
from warehouse.engine.db import Warehouse
from warehouse.errors import (
    UnknownEntity,
    UnknownEvent,
    UnknownFeed,
    WarehouseError,
    WarehouseNotWritable,
    WarehouseUnavailable,
    WatchlistInvalid,
)
from warehouse.export.bundles import export_bundle
from warehouse.intake.documents import (
    FeedDocument,
    PreparedDocument,
    prepare_document,
    prepare_storing,
    store_documents,
)
from warehouse.intake.feeds import (
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
from warehouse.intake.fetches import move_feed, record_fetch, record_fetches
from warehouse.intake.store import identity_key, keyed_articles, store_articles
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
from warehouse.upkeep.integrity import IntegrityProblem, check_integrity

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
    "ingest_completeness",
    "keyed_articles",
    "lens_days",
    "list_entities",
    "list_events",
    "list_feeds",
    "list_sources",
    "load_events",
    "load_events_file",
    "load_watchlist",
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
