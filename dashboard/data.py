"""The dashboard's only way into the warehouse: cached reads, keyed by the data they were read from.

Every cached read takes the warehouse path and a version of the data as arguments, so a
fetch that lands new articles (a new `data_version`) or a changed watchlist (a new
`watchlist_hash`) makes the next run read afresh instead of serving a stale frame. The
facts that carry those versions are themselves cached for two seconds only.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pandas as pd
import streamlit as st

import warehouse
from warehouse import CorpusFacts, Episode, Event, FeedHealth, LensResult, Warehouse

DEFAULT_WAREHOUSE_PATH = Path("data") / "newstally.duckdb"


def warehouse_path() -> str:
    """The warehouse file this dashboard reads: `NEWSTALLY_DB`, else data/newstally.duckdb under the cwd."""
    configured = os.environ.get("NEWSTALLY_DB") or str(DEFAULT_WAREHOUSE_PATH)
    return str(Path(configured).expanduser().resolve())


@st.cache_data(ttl=2, max_entries=8, show_spinner=False)
def corpus_facts(path: str) -> CorpusFacts | None:
    """Size, dates and versions of the corpus; None when there is no warehouse file yet.

    A reader never creates the file: that is for `newstally demo` or `newstally feeds add`.
    """
    handle = Warehouse(path)
    if not handle.exists():
        return None
    return warehouse.corpus_facts(handle)


@st.cache_data(max_entries=8, show_spinner=False)
def entity_names(path: str, watchlist_hash: str) -> dict[str, str]:
    """Display name by entity id, leaders first, in watchlist order."""
    entities = warehouse.list_entities(Warehouse(path))
    leaders_first = entities.assign(_themes_last=entities["kind"] != "leader").sort_values(
        "_themes_last", kind="stable"
    )
    return dict(zip(leaders_first["entity_id"], leaders_first["name"], strict=True))


@st.cache_data(max_entries=8, show_spinner=False)
def events(path: str, data_version: object) -> list[Event]:
    """The events calendar."""
    return warehouse.list_events(Warehouse(path))


@st.cache_data(max_entries=64, show_spinner="Counting articles…")
def entity_series(
    path: str,
    data_version: object,
    entity_ids: tuple[str, ...],
    *,
    bucket: str,
    start: date,
    end: date,
) -> pd.DataFrame:
    """Articles, mentions and share per bucket for each entity, as `warehouse.entity_series` returns them."""
    return warehouse.entity_series(Warehouse(path), list(entity_ids), bucket=bucket, start=start, end=end)


@st.cache_data(max_entries=8, show_spinner=False)
def source_names(path: str, data_version: object) -> list[str]:
    """Every outlet's name, alphabetically."""
    return [source.name for source in warehouse.list_sources(Warehouse(path))]


@st.cache_data(max_entries=64, show_spinner="Searching articles…")
def search_articles(
    path: str,
    data_version: object,
    *,
    text: str,
    entity_id: str | None,
    source: str | None,
    start: date | None,
    end: date | None,
    limit: int,
    offset: int,
) -> tuple[pd.DataFrame, int]:
    """One page of matching articles, newest first, and how many match, as `warehouse.search_articles` returns them."""
    return warehouse.search_articles(
        Warehouse(path),
        text=text or None,
        entity_id=entity_id,
        source=source,
        start=start,
        end=end,
        limit=limit,
        offset=offset,
    )


@st.cache_data(max_entries=32, show_spinner="Counting articles…")
def source_volume(path: str, data_version: object, *, start: date, end: date) -> pd.DataFrame:
    """Articles per outlet in the range, busiest first."""
    return warehouse.source_volume(Warehouse(path), start=start, end=end)


@st.cache_data(max_entries=32, show_spinner="Counting articles…")
def share_of_voice(
    path: str, data_version: object, entity_ids: tuple[str, ...], *, start: date, end: date
) -> pd.DataFrame:
    """Per outlet and entity: articles mentioning it, all the outlet's articles, and the share."""
    return warehouse.share_of_voice(Warehouse(path), list(entity_ids), start=start, end=end)


@st.cache_data(ttl=10, max_entries=8, show_spinner=False)
def feed_health(path: str, data_version: object) -> list[FeedHealth]:
    """Every registered feed's health: last success and failure, last error, failures in a row, next fetch."""
    return warehouse.feed_health(Warehouse(path))


@st.cache_data(max_entries=32, show_spinner="Looking for spikes…")
def spike_episodes(
    path: str,
    data_version: object,
    entity_ids: tuple[str, ...],
    *,
    since: date | None = None,
    until: date | None = None,
) -> list[Episode]:
    """The entities' spike episodes ending on or after `since`, with their evidence, as `warehouse.spike_episodes`."""
    return warehouse.spike_episodes(Warehouse(path), entity_ids=list(entity_ids), since=since, until=until)


@st.cache_data(max_entries=32, show_spinner="Measuring the event's lift…")
def event_lens(path: str, data_version: object, event_id: str, *, window_days: int, baseline_days: int) -> LensResult:
    """Every entity's lift around one event, as `warehouse.event_lens` returns it."""
    return warehouse.event_lens(Warehouse(path), event_id, window_days=window_days, baseline_days=baseline_days)
