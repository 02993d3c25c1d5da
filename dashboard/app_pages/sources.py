"""Sources: how much each outlet published, how much of it was about whom, and whether its feeds are healthy.

The controls live in the URL (`?entities=trump,putin&from=2018-07-01&to=2018-07-31`), so a copied link
restores the view.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard import charts, data, layout, tables
from dashboard.url_state import MAX_ENTITIES, SourcesView, sources_view_from_params
from warehouse import WarehouseError

_STATE_KEYS = {"entities": "sources_entities", "from": "sources_from", "to": "sources_to"}


def _restore_controls(requested: SourcesView, names: dict[str, str], *, first_day: date, last_day: date) -> None:
    """Seed the widgets from the URL on a session's first run; keep them valid as the data changes."""
    initial = {"entities": list(requested.entity_ids), "from": requested.start, "to": requested.end}
    layout.seed_controls({key: initial[name] for name, key in _STATE_KEYS.items()})
    layout.keep_known(_STATE_KEYS["entities"], names)
    layout.keep_days_in_range(
        {_STATE_KEYS["from"]: requested.start, _STATE_KEYS["to"]: requested.end}, first_day=first_day, last_day=last_day
    )


def _controls(requested: SourcesView, names: dict[str, str], *, first_day: date, last_day: date) -> SourcesView:
    chosen, since, until = st.columns([5, 1.2, 1.2], vertical_alignment="bottom")
    entity_ids = chosen.multiselect(
        "Share of voice for",
        options=list(names),
        format_func=names.__getitem__,
        key=_STATE_KEYS["entities"],
        placeholder="Pick leaders or themes",
        max_selections=MAX_ENTITIES,
    )
    start, end = layout.date_range(
        since,
        until,
        keys=(_STATE_KEYS["from"], _STATE_KEYS["to"]),
        first_day=first_day,
        last_day=last_day,
        fallback=(requested.start, requested.end),
    )
    return SourcesView(entity_ids=tuple(entity_ids), start=start, end=end)


@st.fragment(run_every="30s")
def _coverage(path: str, view: SourcesView, names: dict[str, str], collection: str | None) -> None:
    """Volume and share of voice per outlet; re-run every 30 s so new fetches show up."""
    try:
        facts = layout.current_facts(path)
        if facts is None:
            return
        volume = data.source_volume(path, facts.data_version, start=view.start, end=view.end, collection=collection)
    except WarehouseError as error:
        layout.read_failed(error)
        return
    span = f"{view.start}-{view.end}"

    theme, palette = layout.page_theme()

    st.subheader("Volume per outlet")

    def volume_chart() -> charts.Chart:
        return charts.source_volume_chart(volume, start=view.start, end=view.end, palette=palette)

    key = (path, facts.data_version, view.start, view.end, collection, theme)
    st.vega_lite_chart(data.chart_spec(("volume", *key), volume_chart), width="stretch")
    layout.table_and_chart_downloads(
        volume,
        volume_chart,
        stem=f"newstally-volume-{span}",
        palette=palette,
        page="sources",
        view=view.to_params(),
        description="Articles per outlet in the chosen range, as charted.",
    )

    st.subheader("Share of voice")
    if not view.entity_ids:
        st.info("Pick at least one entity to compare outlets' share of voice.", icon=":material/touch_app:")
        return
    # Read after the volume chart is sent, so the browser draws it while this query runs.
    try:
        shares = data.share_of_voice(
            path, facts.data_version, view.entity_ids, start=view.start, end=view.end, collection=collection
        )
    except WarehouseError as error:
        layout.read_failed(error)
        return
    shown = tables.share_of_voice_as_shown(shares, names)

    def share_chart() -> charts.Chart:
        return charts.share_of_voice_chart(shown, start=view.start, end=view.end, palette=palette)

    chosen = tuple((entity_id, names[entity_id]) for entity_id in view.entity_ids)
    st.vega_lite_chart(data.chart_spec(("share-of-voice", *key, chosen), share_chart), width="stretch")
    layout.table_and_chart_downloads(
        shown,
        share_chart,
        stem=f"newstally-share-of-voice-{span}",
        palette=palette,
        page="sources",
        view=view.to_params(),
        description="Per outlet and entity: articles mentioning it, all the outlet's articles, share in %.",
    )


@st.fragment(run_every="30s")
def _feed_health(path: str) -> None:
    """Every feed with its last success, last error, failures and next fetch; failing feeds on top."""
    st.subheader("Feed health")
    try:
        facts = data.corpus_facts(path)
        if facts is None:
            return
        feeds = data.feed_health(path, facts.data_version)
    except WarehouseError as error:
        layout.read_failed(error)
        return
    if not feeds:
        st.info("No feeds registered. Add one with `newstally feeds add URL`.", icon=":material/rss_feed:")
        return
    table = tables.feed_health_table(feeds)
    troubled = int(table["status"].isin(["failing", "disabled"]).sum())
    st.caption(f"{len(table):,} feeds, {troubled:,} failing or disabled. Times are UTC.")
    layout.show_table(
        table,
        {
            "status": st.column_config.TextColumn("Status"),
            "source": st.column_config.TextColumn("Outlet"),
            "url": st.column_config.TextColumn("Feed URL"),
            "enabled": st.column_config.CheckboxColumn("Enabled"),
            "last_success_at": st.column_config.DatetimeColumn("Last success", format="YYYY-MM-DD HH:mm"),
            "last_failure_at": st.column_config.DatetimeColumn("Last failure", format="YYYY-MM-DD HH:mm"),
            "last_error": st.column_config.TextColumn("Last error"),
            "consecutive_failures": st.column_config.NumberColumn("Failures in a row", format="%d"),
            "next_fetch_at": st.column_config.DatetimeColumn("Next fetch", format="YYYY-MM-DD HH:mm"),
            "new_items_per_day": st.column_config.NumberColumn("New items a day (7 days)", format="%.1f"),
        },
    )
    layout.table_downloads(
        table, stem="newstally-feed-health", page="sources", view={}, description="Every feed's health, as listed."
    )


def render() -> None:
    corpus = layout.open_corpus("Sources")
    if corpus is None:
        # Feeds can be registered and failing before any article lands: their health is what to look at then.
        path = data.warehouse_path()
        try:
            has_warehouse = data.corpus_facts(path) is not None
        except WarehouseError:
            has_warehouse = False
        if has_warehouse:
            _feed_health(path)
        return
    names = layout.entity_names(corpus)
    if names is None:
        return
    requested = sources_view_from_params(
        st.query_params.to_dict(), entity_ids=list(names), first_day=corpus.first_day, last_day=corpus.last_day
    )
    _restore_controls(requested, names, first_day=corpus.first_day, last_day=corpus.last_day)
    view = _controls(requested, names, first_day=corpus.first_day, last_day=corpus.last_day)
    layout.write_url(view.to_params())
    _coverage(corpus.path, view, names, corpus.collection)
    _feed_health(corpus.path)


render()
