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
from warehouse.catalog import (
    CorpusFacts,
    corpus_facts,
    data_version,
    list_entities,
    open_warehouse,
    require_entities,
)
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
from warehouse.export import corpus_provenance, csv_ready, flat_frame, json_records, provenance
from warehouse.fetch_log import move_feed, record_fetch, record_fetches
from warehouse.health import FeedHealth, FeedState, feed_health, ingest_completeness
from warehouse.integrity import IntegrityProblem, check_integrity
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
from warehouse.reports import (
    COMENTION_REPORT_COLUMNS,
    EPISODE_REPORT_COLUMNS,
    EVENT_REPORT_COLUMNS,
    FEED_STATUS_COLUMNS,
    LENS_REPORT_COLUMNS,
    METRICS,
    SOURCE_REPORT_COLUMNS,
    comention_report,
    comention_rows,
    episode_rows,
    event_rows,
    events_report,
    feed_status_report,
    feed_status_rows,
    lens_report,
    lens_rows,
    series_table,
    sources_report,
    spikes_report,
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
from warehouse.tokens import ApiToken, TokenInvalid, create_token, list_tokens, revoke_token, token_holder
from warehouse.watchlist import Watchlist, load_watchlist

__all__ = [
    "BUCKETS",
    "COMENTION_COLUMNS",
    "COMENTION_REPORT_COLUMNS",
    "EPISODE_REPORT_COLUMNS",
    "EVENT_REPORT_COLUMNS",
    "FEED_STATUS_COLUMNS",
    "LENS_REPORT_COLUMNS",
    "METRICS",
    "ORIGINALITY_COLUMNS",
    "OUTLET_DIVERGENCE_COLUMNS",
    "SERIES_COLUMNS",
    "SOURCE_REPORT_COLUMNS",
    "ApiToken",
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
    "TokenInvalid",
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
    "comention_report",
    "comention_rows",
    "corpus_facts",
    "corpus_provenance",
    "coverage_originality",
    "create_token",
    "csv_ready",
    "current_watchlist",
    "data_version",
    "detect_spikes",
    "due_feeds",
    "enable_feed",
    "ensure_source",
    "entity_series",
    "episode_rows",
    "event_lens",
    "event_rows",
    "events_report",
    "explain_article",
    "export_bundle",
    "feed_health",
    "feed_status_report",
    "feed_status_rows",
    "flat_frame",
    "get_feed",
    "identity_key",
    "ingest_completeness",
    "json_records",
    "keyed_articles",
    "lens_days",
    "lens_report",
    "lens_rows",
    "list_entities",
    "list_events",
    "list_feeds",
    "list_sources",
    "list_tokens",
    "load_events",
    "load_events_file",
    "load_watchlist",
    "move_feed",
    "open_warehouse",
    "prepare_document",
    "prepare_storing",
    "provenance",
    "record_fetch",
    "record_fetches",
    "release_abandoned_claims",
    "release_feeds",
    "remove_event",
    "remove_feed",
    "require_entities",
    "retally",
    "revoke_token",
    "search_articles",
    "series_table",
    "share_of_voice",
    "source_volume",
    "sources_report",
    "spike_episodes",
    "spike_episodes_peaking_within",
    "spikes_report",
    "store_articles",
    "store_documents",
    "token_holder",
]
