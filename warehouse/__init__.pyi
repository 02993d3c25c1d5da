"""The face of the warehouse package: every name other packages may use, and where it lives.

`warehouse/__init__.py` reads this stub (lazy_loader.attach_stub) and imports a module only
when one of its names is first used; mypy reads it as the package's types. Add a name here
(and only here) to make it public.
"""

from .analysis.browse import (
    search_articles as search_articles,
    share_of_voice as share_of_voice,
    source_volume as source_volume,
)
from .analysis.catalog import (
    CorpusFacts as CorpusFacts,
    corpus_facts as corpus_facts,
    list_entities as list_entities,
    open_warehouse as open_warehouse,
    require_entities as require_entities,
    data_version as data_version,
)
from .analysis.comention_outlets import (
    OUTLET_DIVERGENCE_COLUMNS as OUTLET_DIVERGENCE_COLUMNS,
    comention_outlet_divergence as comention_outlet_divergence,
)
from .analysis.comentions import (
    COMENTION_COLUMNS as COMENTION_COLUMNS,
    comention_matrix as comention_matrix,
)
from .analysis.events import (
    add_event as add_event,
    list_events as list_events,
    load_events as load_events,
    load_events_file as load_events_file,
    remove_event as remove_event,
)
from .analysis.evidence import (
    STOP_WORDS as STOP_WORDS,
    Headline as Headline,
    RisingTerm as RisingTerm,
)
from .analysis.explain import (
    ArticleEvidence as ArticleEvidence,
    UnknownArticle as UnknownArticle,
    explain_article as explain_article,
)
from .analysis.health import (
    FeedHealth as FeedHealth,
    FeedState as FeedState,
    feed_health as feed_health,
    ingest_completeness as ingest_completeness,
)
from .analysis.lens import (
    EntityLift as EntityLift,
    LensDays as LensDays,
    LensResult as LensResult,
    OutletLift as OutletLift,
    event_lens as event_lens,
    lens_days as lens_days,
)
from .analysis.rising import (
    RISING_COLUMNS as RISING_COLUMNS,
    RISING_WINDOWS as RISING_WINDOWS,
    RisingReport as RisingReport,
    rising_terms as rising_terms,
)
from .analysis.series import (
    SERIES_COLUMNS as SERIES_COLUMNS,
    UnknownTimeZone as UnknownTimeZone,
    entity_series as entity_series,
    series_columns as series_columns,
)
from .analysis.spikes import (
    Episode as Episode,
    detect_spikes as detect_spikes,
    spike_episodes as spike_episodes,
    spike_episodes_peaking_within as spike_episodes_peaking_within,
)
from .analysis.syndication import (
    ORIGINALITY_COLUMNS as ORIGINALITY_COLUMNS,
    coverage_originality as coverage_originality,
)
from .counting.collections import (
    Collection as Collection,
    add_collection as add_collection,
    list_collections as list_collections,
    remove_collection as remove_collection,
)
from .counting.queries import (
    Query as Query,
    parse_query as parse_query,
)
from .counting.tally import (
    current_watchlist as current_watchlist,
    retally as retally,
)
from .counting.versions import (
    EntityDraft as EntityDraft,
    WatchlistChange as WatchlistChange,
    WatchlistVersion as WatchlistVersion,
    entity_draft_from_query as entity_draft_from_query,
    import_watchlist as import_watchlist,
    retire_entity as retire_entity,
    revert_watchlist as revert_watchlist,
    save_entity as save_entity,
    watchlist_export as watchlist_export,
    watchlist_history as watchlist_history,
)
from .counting.watchlist import (
    Entity as Entity,
    Watchlist as Watchlist,
    load_watchlist as load_watchlist,
)
from .engine.lake import (
    LakeNotSupported as LakeNotSupported,
    LakeUpgrade as LakeUpgrade,
    import_warehouse as import_warehouse,
    init_lake as init_lake,
    is_lake_target as is_lake_target,
    maintain_lake as maintain_lake,
    upgrade_lake as upgrade_lake,
)
from .engine.db import (
    Warehouse as Warehouse,
)
from .errors import (
    CollectionInvalid as CollectionInvalid,
    UnknownCollection as UnknownCollection,
    QueryInvalid as QueryInvalid,
    UnknownEntity as UnknownEntity,
    UnknownEvent as UnknownEvent,
    UnknownFeed as UnknownFeed,
    WarehouseError as WarehouseError,
    WarehouseNotWritable as WarehouseNotWritable,
    WarehouseUnavailable as WarehouseUnavailable,
    WatchlistInvalid as WatchlistInvalid,
)
from .export.bundles import (
    export_bundle as export_bundle,
)
from .export.files import (
    EXPORT_SUFFIXES as EXPORT_SUFFIXES,
    csv_ready as csv_ready,
    export_frame as export_frame,
    export_records as export_records,
    widened as widened,
    write_provenance as write_provenance,
    corpus_provenance as corpus_provenance,
    flat_frame as flat_frame,
    json_records as json_records,
    provenance as provenance,
)
from .intake.arrivals import (
    Arrival as Arrival,
    record_fetch as record_fetch,
    record_fetches as record_fetches,
    store_articles as store_articles,
    store_documents as store_documents,
    store_intake as store_intake,
)
from .intake.documents import (
    FeedDocument as FeedDocument,
    PreparedDocument as PreparedDocument,
    prepare_document as prepare_document,
    prepare_storing as prepare_storing,
)
from .intake.feeds import (
    add_feed as add_feed,
    add_feeds as add_feeds,
    claim_due_feeds as claim_due_feeds,
    due_feeds as due_feeds,
    enable_feed as enable_feed,
    ensure_source as ensure_source,
    get_feed as get_feed,
    list_feeds as list_feeds,
    list_sources as list_sources,
    release_abandoned_claims as release_abandoned_claims,
    release_feeds as release_feeds,
    remove_feed as remove_feed,
)
from .intake.fetches import move_feed as move_feed
from .intake.store import (
    identity_key as identity_key,
    keyed_articles as keyed_articles,
)
from .rows import (
    BUCKETS as BUCKETS,
    DateQuality as DateQuality,
    Event as Event,
    Feed as Feed,
    FeedListEntry as FeedListEntry,
    FeedPlan as FeedPlan,
    FeedPlans as FeedPlans,
    FetchArrival as FetchArrival,
    FetchedArticle as FetchedArticle,
    FetchOutcome as FetchOutcome,
    FetchResult as FetchResult,
    FoundMentions as FoundMentions,
    KeyedArticles as KeyedArticles,
    Source as Source,
)
from .export.reports import (
    COMENTION_REPORT_COLUMNS as COMENTION_REPORT_COLUMNS,
    EPISODE_REPORT_COLUMNS as EPISODE_REPORT_COLUMNS,
    EVENT_REPORT_COLUMNS as EVENT_REPORT_COLUMNS,
    FEED_STATUS_COLUMNS as FEED_STATUS_COLUMNS,
    LENS_REPORT_COLUMNS as LENS_REPORT_COLUMNS,
    METRICS as METRICS,
    SOURCE_REPORT_COLUMNS as SOURCE_REPORT_COLUMNS,
    comention_report as comention_report,
    comention_rows as comention_rows,
    episode_rows as episode_rows,
    event_rows as event_rows,
    events_report as events_report,
    feed_status_report as feed_status_report,
    feed_status_rows as feed_status_rows,
    lens_report as lens_report,
    lens_rows as lens_rows,
    metric_columns as metric_columns,
    series_table as series_table,
    sources_report as sources_report,
    spikes_report as spikes_report,
)
from .service.alerts import (
    ALERT_HISTORY_COLUMNS as ALERT_HISTORY_COLUMNS,
    AlertEpisode as AlertEpisode,
    AlertMessage as AlertMessage,
    AlertRule as AlertRule,
    AlertRuleExists as AlertRuleExists,
    AlertRuleInvalid as AlertRuleInvalid,
    AlertSnapshot as AlertSnapshot,
    ChannelFailure as ChannelFailure,
    PendingDelivery as PendingDelivery,
    UnknownAlertRule as UnknownAlertRule,
    add_alert_rule as add_alert_rule,
    add_entity_alert_rule as add_entity_alert_rule,
    alert_episode_messages as alert_episode_messages,
    alert_headlines as alert_headlines,
    alert_history as alert_history,
    alert_pass_snapshot as alert_pass_snapshot,
    alert_window_counts as alert_window_counts,
    alert_window_counts_many as alert_window_counts_many,
    failing_alert_channels as failing_alert_channels,
    get_alert_rule as get_alert_rule,
    list_alert_rules as list_alert_rules,
    mark_alert_delivered as mark_alert_delivered,
    note_alert_episode as note_alert_episode,
    open_alert_episode as open_alert_episode,
    record_alert_message as record_alert_message,
    record_delivery_attempt as record_delivery_attempt,
    remove_alert_rule as remove_alert_rule,
    update_held_alert as update_held_alert,
)
from .service.tokens import (
    ApiToken as ApiToken,
    TokenInvalid as TokenInvalid,
    create_token as create_token,
    list_tokens as list_tokens,
    revoke_token as revoke_token,
    token_holder as token_holder,
)
from .upkeep.backup import (
    backup_warehouse as backup_warehouse,
)
from .upkeep.integrity import (
    DEFAULT_RECOUNT_ARTICLES as DEFAULT_RECOUNT_ARTICLES,
    INTEGRITY_COLUMNS as INTEGRITY_COLUMNS,
    IntegrityProblem as IntegrityProblem,
    check_integrity as check_integrity,
)
