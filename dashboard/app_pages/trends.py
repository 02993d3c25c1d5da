"""Trends: one line per chosen entity over time, with the events calendar drawn as labelled rules.

The controls live in the URL (`?entities=trump,putin&from=2018-01-01&to=2019-01-01&bucket=week&metric=share`),
so a copied link restores the view.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboard import charts, data, layout, tables
from dashboard.url_state import (
    BUCKETS,
    MAX_ENTITIES,
    METRICS,
    ArticlesView,
    SpikesView,
    TrendsView,
    trends_view_from_params,
)
from warehouse import WarehouseError

_METRIC_LABELS = {"articles": "Articles", "share": "Share of all articles"}
_BUCKET_LABELS = {"day": "Day", "week": "Week", "month": "Month"}
_STATE_KEYS = {
    "entities": "trends_entities",
    "from": "trends_from",
    "to": "trends_to",
    "bucket": "trends_bucket",
    "metric": "trends_metric",
    "split": "trends_per_outlet",
}
_ARTICLES_PAGE = "app_pages/articles.py"
_SPIKES_PAGE = "app_pages/spikes.py"


def _restore_controls(view: TrendsView, names: dict[str, str], *, first_day: date, last_day: date) -> None:
    """Seed the widgets from the URL on a session's first run; keep them valid as the data changes."""
    initial = {
        "entities": list(view.entity_ids),
        "from": view.start,
        "to": view.end,
        "bucket": view.bucket,
        "metric": view.metric,
        "split": view.per_outlet,
    }
    layout.seed_controls({key: initial[name] for name, key in _STATE_KEYS.items()})
    layout.keep_known(_STATE_KEYS["entities"], names)
    layout.keep_days_in_range(
        {_STATE_KEYS["from"]: view.start, _STATE_KEYS["to"]: view.end}, first_day=first_day, last_day=last_day
    )


def _controls(requested: TrendsView, names: dict[str, str], *, first_day: date, last_day: date) -> TrendsView:
    chosen = st.multiselect(
        "Entities",
        options=list(names),
        format_func=names.__getitem__,
        key=_STATE_KEYS["entities"],
        placeholder="Pick leaders or themes",
        max_selections=MAX_ENTITIES,
    )
    since, until, bucket, metric, split = st.columns([1.6, 1.6, 2.3, 3.0, 2.0], vertical_alignment="bottom")
    start, end = layout.date_range(
        since,
        until,
        keys=(_STATE_KEYS["from"], _STATE_KEYS["to"]),
        first_day=first_day,
        last_day=last_day,
        fallback=(requested.start, requested.end),
    )
    bucket_choice = bucket.segmented_control(
        "Per",
        options=list(BUCKETS),
        format_func=_BUCKET_LABELS.__getitem__,
        key=_STATE_KEYS["bucket"],
        required=True,
    )
    metric_choice = metric.segmented_control(
        "Show",
        options=list(METRICS),
        format_func=_METRIC_LABELS.__getitem__,
        key=_STATE_KEYS["metric"],
        required=True,
    )
    per_outlet = split.toggle(
        "One chart per outlet",
        key=_STATE_KEYS["split"],
        help="Small multiples: the same lines drawn separately for each outlet, busiest first.",
    )
    return TrendsView(
        entity_ids=tuple(chosen),
        start=start,
        end=end,
        bucket=bucket_choice or requested.bucket,
        metric=metric_choice or requested.metric,
        per_outlet=bool(per_outlet),
    )


@st.fragment(run_every="30s")
def _coverage(path: str, view: TrendsView, names: dict[str, str], collection: str | None = None) -> None:
    """The chart, its summary and its downloads; re-run every 30 s so new fetches show up."""
    try:
        facts = layout.current_facts(path)
        if facts is None:
            return
        series = data.entity_series(
            path,
            facts.data_version,
            view.entity_ids,
            bucket=view.bucket,
            start=view.start,
            end=view.end,
            by_source=view.per_outlet,
            collection=collection,
        )
        events = data.events(path, facts.data_version)
        days = layout.corpus_days(facts)
        # Every spike of the lines, judged over all the data as the Spikes page judges them (so a marker's
        # link finds its episode there), and read once per data version rather than again for every range.
        episodes = (
            data.spike_markers(
                path,
                facts.data_version,
                tuple(sorted(view.entity_ids)),
                first_day=days[0],
                last_day=days[1],
                collection=collection,
            )
            if days is not None
            else []
        )
        completeness = data.ingest_completeness(path, facts.data_version, start=view.start, end=view.end)
    except WarehouseError as error:
        layout.read_failed(error)
        return
    chosen = {entity_id: names[entity_id] for entity_id in view.entity_ids}
    shown = tables.series_as_shown(series, chosen)
    theme, palette = layout.page_theme()
    gaps = tables.gap_days(completeness)

    def chart() -> charts.Chart:
        if view.per_outlet:
            return charts.outlet_small_multiples(
                shown,
                metric=view.metric,
                bucket=view.bucket,
                start=view.start,
                end=view.end,
                completeness=completeness,
                palette=palette,
            )
        return charts.trends_chart(
            shown,
            events,
            metric=view.metric,
            bucket=view.bucket,
            start=view.start,
            end=view.end,
            spikes=tables.spikes_as_shown(episodes, chosen),
            gaps=gaps,
            palette=palette,
        )

    spec = data.chart_spec(("trends", path, facts.data_version, view, collection, tuple(chosen.items()), theme), chart)
    st.vega_lite_chart(spec, width=None if view.per_outlet else "stretch")
    if len(gaps):
        st.caption(
            f"Grey bands mark {len(gaps):,} day{'s' if len(gaps) != 1 else ''} on which some outlet's feeds "
            "were not all fetched successfully (see Sources → Feed health): coverage on those days may be "
            "undercounted, not quieter. Hover a band for the outlets affected."
        )
    _downloads(shown, chart, view, palette=palette)

    totals = tables.entity_totals(shown)
    layout.show_table(
        totals,
        {
            "entity": st.column_config.TextColumn("Entity"),
            "articles": st.column_config.NumberColumn("Articles mentioning, in range", format="%d"),
            "share_percent": st.column_config.NumberColumn("Share of all articles", format="%.2f %%"),
            "busiest_bucket": st.column_config.TextColumn(f"Busiest {view.bucket} (starting)"),
            "busiest_articles": st.column_config.NumberColumn(f"Articles that {view.bucket}", format="%d"),
        },
    )
    layout.table_downloads(
        totals,
        stem=f"newstally-totals-{view.bucket}-{view.start}-{view.end}",
        page="trends",
        view=view.to_params(),
        description="Per entity over the range: articles, share, busiest bucket, as listed.",
    )


def _downloads(shown: pd.DataFrame, chart: charts.ChartBuilder, view: TrendsView, *, palette: charts.Palette) -> None:
    """The series as charted, with the CLI command that prints the same numbers recorded beside it; the chart."""
    equivalent = [
        "newstally",
        "series",
        "--entity",
        ",".join(view.entity_ids),
        "--bucket",
        view.bucket,
        "--from",
        view.start.isoformat(),
        "--to",
        view.end.isoformat(),
        *(["--by-source"] if view.per_outlet else []),
        *(["--collection", collection] if (collection := layout.chosen_collection()) else []),
    ]
    layout.table_and_chart_downloads(
        shown,
        chart,
        stem=f"newstally-{view.metric}-{view.bucket}-{view.start}-{view.end}"
        + ("-per-outlet" if view.per_outlet else ""),
        palette=palette,
        page="trends",
        view=view.to_params(),
        description="The series as charted: one row per entity and bucket"
        + (" and outlet" if view.per_outlet else "")
        + " in the chosen range.",
        options={"bucket": view.bucket, "tz": "UTC", "equivalent_command": " ".join(equivalent)},
    )


def _headline_links(view: TrendsView, names: dict[str, str]) -> None:
    """Links to the Articles page listing each line's articles over the chart's range, and to each line's spikes."""
    st.markdown("**Headlines behind the chart**")
    links = st.container(horizontal=True)
    for entity_id in view.entity_ids:
        articles = ArticlesView(entity_id=entity_id, start=view.start, end=view.end)
        links.page_link(
            _ARTICLES_PAGE,
            label=names[entity_id],
            icon=":material/article:",
            query_params=articles.to_params(),
            help=f"The articles mentioning {names[entity_id]}, {view.start:%d %b %Y} – {view.end:%d %b %Y}",
        )
    spikes = st.container(horizontal=True)
    for entity_id in view.entity_ids:
        spikes.page_link(
            _SPIKES_PAGE,
            label=f"Spikes of {names[entity_id]} →",
            icon=":material/bolt:",
            query_params=SpikesView(entity_id=entity_id).to_params(),
            help=f"Every spike of {names[entity_id]}'s coverage, with the headlines that drove it",
        )


def render() -> None:
    corpus = layout.open_corpus("Trends")
    if corpus is None:
        return
    path, first_day, last_day = corpus.path, corpus.first_day, corpus.last_day
    names = layout.entity_names(corpus)
    if names is None:
        return

    requested = trends_view_from_params(
        st.query_params.to_dict(), entity_ids=list(names), first_day=first_day, last_day=last_day
    )
    _restore_controls(requested, names, first_day=first_day, last_day=last_day)
    view = _controls(requested, names, first_day=first_day, last_day=last_day)
    layout.write_url(view.to_params(), also_owns=("split",))
    if not view.entity_ids:
        st.info("Pick at least one entity to draw its coverage.", icon=":material/touch_app:")
        return
    _coverage(path, view, names, corpus.collection)
    _headline_links(view, names)


render()
