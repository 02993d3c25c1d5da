"""The dashboard's only way into the warehouse: cached reads, keyed by the data they were read from.

Every cached read takes the warehouse path and a version of the data as arguments, so a
fetch that lands new articles (a new `data_version`) or a changed watchlist (a new
`watchlist_hash`) makes the next run read afresh instead of serving a stale frame. The
facts that carry those versions are themselves cached for two seconds only.

Finished charts are cached here too, as the Vega-Lite specs Streamlit sends to the browser: building
an Altair chart and serialising it cost more than the reads behind it once those are cached.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from datetime import date
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st
from streamlit import dataframe_util

import alerts
import warehouse
from dashboard import alert_views
from newstally import settings
from warehouse import (
    AlertRule,
    CorpusFacts,
    Episode,
    Event,
    FeedHealth,
    LensDays,
    LensResult,
    QueryInvalid,
    RisingReport,
    Warehouse,
)


def warehouse_path() -> str:
    """The warehouse this dashboard reads, as newstally's settings say (`NEWSTALLY_DB`, else the default)."""
    return settings.warehouse_target()


def _warehouse(path: str) -> Warehouse:
    """The warehouse at `path`; a lake's data files where `NEWSTALLY_LAKE_DATA` says they are mounted here."""
    return Warehouse(path, lake_data=settings.resolve().lake_data)


@st.cache_data(ttl=2, max_entries=8, show_spinner=False)
def corpus_facts(path: str) -> CorpusFacts | None:
    """Size, dates and versions of the corpus; None when there is no warehouse file yet.

    A reader never creates the file: that is for `newstally demo` or `newstally feeds add`.
    """
    handle = _warehouse(path)
    if not handle.exists():
        return None
    return warehouse.corpus_facts(handle)


@st.cache_data(max_entries=8, show_spinner=False)
def entity_names(path: str, watchlist_hash: str) -> dict[str, str]:
    """Display name by entity id, leaders first, in watchlist order."""
    entities = warehouse.list_entities(_warehouse(path))
    leaders_first = entities.assign(_themes_last=entities["kind"] != "leader").sort_values(
        "_themes_last", kind="stable"
    )
    return dict(zip(leaders_first["entity_id"], leaders_first["name"], strict=True))


@st.cache_data(max_entries=8, show_spinner=False)
def events(path: str, data_version: object) -> list[Event]:
    """The events calendar."""
    return warehouse.list_events(_warehouse(path))


@st.cache_data(max_entries=8, show_spinner=False)
def collection_names(path: str, data_version: object) -> list[str]:
    """Every collection's name, alphabetically (a new or removed collection is a new data version)."""
    return [collection.name for collection in warehouse.list_collections(_warehouse(path))]


@st.cache_data(max_entries=64, show_spinner="Counting articles…")
def entity_series(
    path: str,
    data_version: object,
    entity_ids: tuple[str, ...],
    *,
    bucket: str,
    start: date,
    end: date,
    by_source: bool = False,
    queries: tuple[str, ...] = (),
    collection: str | None = None,
    smooth: int = 1,
) -> pd.DataFrame:
    """Articles, mentions and share per bucket for each entity (and outlet), as `warehouse.entity_series`;
    each of `queries` adds its rows after the entities', its text as entity_id; with `collection`, of its
    outlets only; with `smooth` N, trailing means over N buckets (`series --smooth`). `share_base` holds the
    articles each share divides (over a smoothing window, the window's)."""
    return warehouse.entity_series(
        _warehouse(path),
        list(entity_ids),
        queries=queries,
        bucket=bucket,
        start=start,
        end=end,
        by_source=by_source,
        collection=collection,
        smooth=smooth,
        share_bases=True,
    )


def query_problem(text: str) -> str | None:
    """Why `text` is not a query, in the one line `warehouse.parse_query` gives; None when it is one. Reads nothing."""
    try:
        warehouse.parse_query(text)
    except QueryInvalid as error:
        return str(error)
    return None


@st.cache_data(max_entries=32, show_spinner="Looking for spikes…")
def query_spike_episodes(
    path: str, data_version: object, queries: tuple[str, ...], collection: str | None = None
) -> list[Episode]:
    """The queries' spike episodes over all the data with their evidence, by start date, each named after its
    query's text (`warehouse.spike_episodes(queries=...)`); with `collection`, of its outlets."""
    if not queries:
        return []
    return warehouse.spike_episodes(_warehouse(path), queries=list(queries), collection=collection)


@st.cache_data(max_entries=32, show_spinner="Looking for spikes…")
def query_spike_markers(
    path: str,
    data_version: object,
    queries: tuple[str, ...],
    *,
    first_day: date,
    last_day: date,
    collection: str | None = None,
) -> list[Episode]:
    """The queries' spike episodes over all the data, by start date, for marking them on a chart: as
    `query_spike_episodes` lists them but without rising terms, which no chart shows, so a new query
    costs its line over all the data and its episodes' days, not two more passes over every article.
    `first_day` and `last_day` are the corpus's first and last UTC days."""
    if not queries:
        return []
    return warehouse.spike_episodes_peaking_within(
        _warehouse(path),
        [],
        queries=queries,
        start=first_day,
        end=last_day,
        calendar=events(path, data_version),
        first_day=first_day,
        collection=collection,
    )


@st.cache_data(max_entries=8, show_spinner="Finding rising words…")
def rising_terms(path: str, data_version: object, *, window_days: int) -> RisingReport:
    """The words and two-word phrases whose share of articles rose most in the last `window_days` UTC days."""
    return warehouse.rising_terms(_warehouse(path), window_days=window_days)


@st.cache_data(max_entries=8, show_spinner=False)
def source_names(path: str, data_version: object) -> list[str]:
    """Every outlet's name, alphabetically."""
    return [source.name for source in warehouse.list_sources(_warehouse(path))]


@st.cache_data(max_entries=64, show_spinner="Searching articles…")
def search_articles(
    path: str,
    data_version: object,
    *,
    query: str,
    entity_id: str | None,
    source: str | None,
    start: date | None,
    end: date | None,
    limit: int,
    offset: int,
    collection: str | None = None,
) -> tuple[pd.DataFrame, int]:
    """One page of the articles `query` matches (blank: any), newest first, and how many match, as
    `warehouse.search_articles` returns them; a query that does not parse raises `QueryInvalid`."""
    return warehouse.search_articles(
        _warehouse(path),
        query=query or None,
        entity_id=entity_id,
        source=source,
        start=start,
        end=end,
        limit=limit,
        offset=offset,
        collection=collection,
    )


@st.cache_data(max_entries=32, show_spinner="Counting articles…")
def source_volume(
    path: str, data_version: object, *, start: date, end: date, collection: str | None = None
) -> pd.DataFrame:
    """Articles per outlet (of the collection) in the range, busiest first."""
    return warehouse.source_volume(_warehouse(path), start=start, end=end, collection=collection)


@st.cache_data(max_entries=32, show_spinner="Counting articles…")
def share_of_voice(
    path: str,
    data_version: object,
    entity_ids: tuple[str, ...],
    *,
    start: date,
    end: date,
    collection: str | None = None,
) -> pd.DataFrame:
    """Per outlet (of the collection) and entity: articles mentioning it, all the outlet's articles, and the share."""
    return warehouse.share_of_voice(_warehouse(path), list(entity_ids), start=start, end=end, collection=collection)


@st.cache_data(ttl=10, max_entries=8, show_spinner=False)
def feed_health(path: str, data_version: object) -> list[FeedHealth]:
    """Every registered feed's health: last success and failure, last error, failures in a row, next fetch."""
    return warehouse.feed_health(_warehouse(path))


class _EpisodeStore:
    """Spike episodes by entity, for the latest data version of each warehouse.

    An entity's episodes are judged over all its data and do not depend on which other
    entities a view shows, so a view with a new mix of entities (the Event lens picks the
    entities that moved most, Trends adds one) judges only the entities not judged yet.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self._versions: dict[tuple[str, str | None], tuple[object, dict[str, list[Episode]]]] = {}

    def known(self, path: str, data_version: object, collection: str | None = None) -> dict[str, list[Episode]]:
        version, by_entity = self._versions.get((path, collection), (None, {}))
        return dict(by_entity) if version == data_version else {}

    def add(
        self, path: str, data_version: object, found: dict[str, list[Episode]], collection: str | None = None
    ) -> None:
        version, by_entity = self._versions.get((path, collection), (None, {}))
        if version != data_version:
            by_entity = {}  # older versions' episodes are stale: let them go
        self._versions[(path, collection)] = (data_version, {**by_entity, **found})


@st.cache_resource(show_spinner=False)
def _episode_store() -> _EpisodeStore:
    return _EpisodeStore()


@st.cache_resource(show_spinner=False)
def _marker_store() -> _EpisodeStore:
    """The charts' spike markers: episodes without rising terms (see `spike_markers`)."""
    return _EpisodeStore()


def _stored_episodes(
    store: _EpisodeStore,
    path: str,
    data_version: object,
    entity_ids: tuple[str, ...],
    judge: Callable[[list[str]], list[Episode]],
    collection: str | None = None,
) -> list[Episode]:
    """The entities' episodes by start date, from `store`, after `judge` found those of the entities it lacks."""
    with store.lock:
        known = store.known(path, data_version, collection)
    missing = [entity_id for entity_id in dict.fromkeys(entity_ids) if entity_id not in known]
    if missing:
        with st.spinner("Looking for spikes…"):
            found: dict[str, list[Episode]] = {entity_id: [] for entity_id in missing}
            for episode in judge(missing):
                found[episode.entity_id].append(episode)
        with store.lock:
            store.add(path, data_version, found, collection)
        known.update(found)
    episodes = [episode for entity_id in dict.fromkeys(entity_ids) for episode in known[entity_id]]
    return sorted(episodes, key=lambda episode: (episode.start, episode.entity_id))


def spike_episodes(
    path: str, data_version: object, entity_ids: tuple[str, ...], *, collection: str | None = None
) -> list[Episode]:
    """The entities' spike episodes over all the data (of the collection's outlets), with their evidence, by start date.

    The same list as `warehouse.spike_episodes(entity_ids=...)`; only entities not yet
    judged for this data version are read (see `_EpisodeStore`).
    """
    return _stored_episodes(
        _episode_store(),
        path,
        data_version,
        entity_ids,
        lambda missing: warehouse.spike_episodes(_warehouse(path), entity_ids=missing, collection=collection),
        collection,
    )


def spike_markers(
    path: str,
    data_version: object,
    entity_ids: tuple[str, ...],
    *,
    first_day: date,
    last_day: date,
    collection: str | None = None,
) -> list[Episode]:
    """The entities' spike episodes over all the data, by start date, for marking them on a chart.

    As `spike_episodes` lists them but without rising terms, which no chart shows: at 1,000,000
    articles, judging three lines with them took 0.41–0.54 s of CPU, without them 0.26–0.32 s.
    `first_day` and `last_day` are the corpus's first and last UTC days.
    """
    return _stored_episodes(
        _marker_store(),
        path,
        data_version,
        entity_ids,
        lambda missing: _peaking_within(
            path, data_version, missing, start=first_day, end=last_day, first_day=first_day, collection=collection
        ),
        collection,
    )


@st.cache_data(max_entries=32, show_spinner="Measuring the event's lift…")
def event_lens(
    path: str,
    data_version: object,
    event_id: str,
    entity_ids: tuple[str, ...],
    *,
    window_days: int,
    baseline_days: int,
    collection: str | None = None,
) -> LensResult:
    """Every entity's lift around one event, as `warehouse.event_lens` returns it.

    `entity_ids` are every entity on the watchlist (`entity_names`' keys); with them and the cached
    calendar the warehouse is opened once, for the counting, rather than three times.
    """
    return warehouse.event_lens(
        _warehouse(path),
        event_id,
        window_days=window_days,
        baseline_days=baseline_days,
        calendar=events(path, data_version),
        entity_ids=entity_ids,
        collection=collection,
    )


def lens_days(event: Event, calendar: list[Event], *, window_days: int, baseline_days: int) -> LensDays:
    """The event's window and baseline days, as `warehouse.event_lens` judges them; reads nothing."""
    return warehouse.lens_days(event, calendar, window_days=window_days, baseline_days=baseline_days)


def spikes_peaking_within(
    path: str,
    data_version: object,
    entity_ids: tuple[str, ...],
    *,
    start: date,
    end: date,
    first_day: date,
    collection: str | None = None,
) -> list[Episode]:
    """The entities' spike episodes peaking from `start` to `end`, by start date, for a chart's markers.

    The `spike_markers` of the entities when a page has judged them already (Trends), else read
    from the days around the range only (see `spike_episodes_peaking_within`), which a short
    range makes cheaper than judging all the data. `first_day` is the corpus's first UTC day.
    """
    store = _marker_store()
    with store.lock:
        known = store.known(path, data_version, collection)
    if all(entity_id in known for entity_id in entity_ids):
        return sorted(
            (
                episode
                for entity_id in dict.fromkeys(entity_ids)
                for episode in known[entity_id]
                if start <= episode.peak <= end
            ),
            key=lambda episode: (episode.start, episode.entity_id),
        )
    return _spikes_read_around(
        path, data_version, entity_ids, start=start, end=end, first_day=first_day, collection=collection
    )


@st.cache_data(max_entries=32, show_spinner="Looking for spikes…")
def _spikes_read_around(
    path: str,
    data_version: object,
    entity_ids: tuple[str, ...],
    *,
    start: date,
    end: date,
    first_day: date,
    collection: str | None = None,
) -> list[Episode]:
    return _peaking_within(
        path, data_version, list(entity_ids), start=start, end=end, first_day=first_day, collection=collection
    )


def _peaking_within(
    path: str,
    data_version: object,
    entity_ids: list[str],
    *,
    start: date,
    end: date,
    first_day: date,
    collection: str | None = None,
) -> list[Episode]:
    """`warehouse.spike_episodes_peaking_within` with the cached calendar."""
    return warehouse.spike_episodes_peaking_within(
        _warehouse(path),
        entity_ids,
        start=start,
        end=end,
        calendar=events(path, data_version),
        first_day=first_day,
        collection=collection,
    )


@st.cache_data(max_entries=32, show_spinner="Counting ingest gaps…")
def ingest_completeness(path: str, data_version: object, *, start: date, end: date) -> pd.DataFrame:
    """Per outlet with feeds and UTC day: whether every feed it had was fetched successfully that day."""
    return warehouse.ingest_completeness(_warehouse(path), start, end)


@st.cache_data(max_entries=32, show_spinner="Counting co-mentions…")
def comention_matrix(
    path: str, data_version: object, *, start: date, end: date, collection: str | None = None
) -> pd.DataFrame:
    """Leaders × themes: the share of each leader's articles that mention the theme, and its change."""
    return warehouse.comention_matrix(_warehouse(path), start=start, end=end, collection=collection)


@st.cache_data(max_entries=32, show_spinner="Comparing outlets…")
def comention_outlet_divergence(
    path: str, data_version: object, *, start: date, end: date, collection: str | None = None
) -> pd.DataFrame:
    """The outlets whose leader–theme shares stand furthest from all outlets' (of the collection) together."""
    return warehouse.comention_outlet_divergence(_warehouse(path), start=start, end=end, collection=collection)


@st.cache_data(max_entries=64, show_spinner=False)
def chart_spec(key: tuple[object, ...], _build: Callable[[], alt.TopLevelMixin]) -> dict[str, Any]:
    """The Vega-Lite spec of the chart `_build` returns, ready for `st.vega_lite_chart`, kept under `key`.

    `key` must name everything the chart is drawn from: the page, the warehouse path, the data version,
    the view's parameters and the theme, so new data or another view builds afresh. `_build` is not part
    of the key (Streamlit leaves out arguments whose names start with an underscore) and runs only on a miss.
    """
    return vega_lite_spec(_build())


# Altair's active theme is process-wide; Streamlit's sessions run in threads.
_ALTAIR_THEME_LOCK = threading.Lock()


def vega_lite_spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The chart as `st.altair_chart` would send it (no Altair theme, each frame as an Arrow dataset), unvalidated.

    The charts are built by tested code from known shapes; validating the spec against the Vega-Lite
    schema on every draw took about half of a page's time. The chart's frames are replaced by names.
    """
    datasets: dict[str, bytes] = {}
    _name_frames(chart, datasets)
    with _ALTAIR_THEME_LOCK, alt.theme.enable("none"):
        spec = chart.to_dict(validate=False)
    spec["datasets"] = {**spec.get("datasets", {}), **datasets}
    return spec


def _name_frames(chart: Any, datasets: dict[str, bytes]) -> None:
    frame = getattr(chart, "data", alt.Undefined)
    if isinstance(frame, pd.DataFrame):
        arrow = dataframe_util.convert_anything_to_arrow_bytes(frame)
        name = hashlib.md5(arrow, usedforsecurity=False).hexdigest()
        datasets[name] = arrow
        chart.data = alt.NamedData(name=name)
    for part in ("layer", "concat", "hconcat", "vconcat"):
        children = getattr(chart, part, None)
        if isinstance(children, list):
            for child in children:
                _name_frames(child, datasets)
    inner = getattr(chart, "spec", None)
    if inner is not None and hasattr(inner, "to_dict"):
        _name_frames(inner, datasets)


# --- alerts (issue 16): rules and history are small and change without new articles, so they are kept briefly


@st.cache_data(ttl=5, max_entries=8, show_spinner=False)
def alert_rules(path: str) -> list[AlertRule]:
    """Every alert and digest rule, spike alerts first (none before a warehouse file exists)."""
    handle = _warehouse(path)
    return warehouse.list_alert_rules(handle) if handle.exists() else []


@st.cache_data(ttl=5, max_entries=8, show_spinner=False)
def alert_history(path: str) -> pd.DataFrame:
    """Every message decided and each channel's outcome, as `warehouse.alert_history`."""
    handle = _warehouse(path)
    return warehouse.alert_history(handle) if handle.exists() else pd.DataFrame(columns=warehouse.ALERT_HISTORY_COLUMNS)


def channel_shown(url: str) -> str:
    """A channel URL with its secrets masked, as `newstally alerts list` shows it."""
    return alerts.shown_as(url)


def create_entity_alert(path: str, entity_id: str, channel: str) -> AlertRule:
    """Store a spike alert on the entity to `channel` (default judgement, UTC), named after the entity.

    Raises alerts.ChannelInvalid or a WarehouseError, each with a one-line message.
    """
    channel = channel.strip()
    if channel and "://" in channel:  # an empty or scheme-less value is the warehouse's to refuse
        alerts.check_channel(channel)
    rule = warehouse.add_entity_alert_rule(_warehouse(path), entity_id, [channel])
    alert_rules.clear()
    alert_history.clear()
    return rule


def create_query_alert(path: str, query: str, channel: str) -> AlertRule:
    """Store a spike alert on `query` to `channel` (default judgement, UTC), named after the query's words, through
    `alerts.add_spike_rule` as `newstally alerts add NAME --query QUERY --to URL` does.

    Raises an alerts.AlertsError (a query or a channel that cannot work) or a WarehouseError, each in one line.
    """
    channel = channel.strip()
    if not channel:
        raise alerts.RuleInvalid("give a channel URL, e.g. json://host:port/path, mailto://… or slack://…")
    if "://" not in channel:
        raise alerts.ChannelInvalid(f"not a channel URL: {channel[:60]!r} (e.g. json://host:port/path, mailto://…)")
    handle = _warehouse(path)
    name = alert_views.query_rule_name(query, {rule.name for rule in warehouse.list_alert_rules(handle)})
    rule = alerts.add_spike_rule(handle, name, channels=[channel], query_text=query)
    alert_rules.clear()
    alert_history.clear()
    return rule


def export_bundle(
    path: str, frame: pd.DataFrame, *, file_name: str, command: list[str], options: dict[str, Any], table: str
) -> bytes:
    """A zip of `frame` as `file_name` and its provenance sidecar; made when a download is clicked, so not cached."""
    return warehouse.export_bundle(
        _warehouse(path), frame, file_name=file_name, command=command, options=options, table=table
    )


# --- the watchlist: reads cached by its hash, writes that forget the cached facts ---------------


@st.cache_data(max_entries=8, show_spinner=False)
def watchlist_entities(path: str, watchlist_hash: str) -> list[warehouse.Entity]:
    """The current watchlist's entities with their aliases and exclusions, leaders first."""
    current = warehouse.current_watchlist(_warehouse(path))
    return list(current.entities) if current is not None else []


@st.cache_data(max_entries=8, show_spinner=False)
def watchlist_history(path: str, watchlist_hash: str) -> list[warehouse.WatchlistVersion]:
    """Every watchlist version, oldest first; the last is current."""
    return warehouse.watchlist_history(_warehouse(path))


def entity_draft_from_query(text: str) -> warehouse.EntityDraft:
    """A query's words and phrases as aliases, its NOT words as exclusions (QueryInvalid says why not)."""
    return warehouse.entity_draft_from_query(text)


def save_entity(path: str, **fields: Any) -> warehouse.WatchlistChange:
    """Add or edit an entity (`warehouse.save_entity`); its history is counted before this returns."""
    return _written(warehouse.save_entity(_warehouse(path), **fields))


def retire_entity(path: str, entity_id: str, *, author: str | None = None) -> warehouse.WatchlistChange:
    return _written(warehouse.retire_entity(_warehouse(path), entity_id, author=author))


def revert_watchlist(path: str, version: int, *, author: str | None = None) -> warehouse.WatchlistChange:
    return _written(warehouse.revert_watchlist(_warehouse(path), version, author=author))


def _written(change: warehouse.WatchlistChange) -> warehouse.WatchlistChange:
    """After a write: the cached facts carry the data version and watchlist hash every other cache is keyed by."""
    corpus_facts.clear()
    return change
