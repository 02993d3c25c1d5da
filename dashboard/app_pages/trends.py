"""Trends: one line per chosen entity, and per typed query, over time, with the events calendar drawn as labelled rules.

The controls live in the URL (`?entities=trump,putin&from=2018-01-01&to=2019-01-01&bucket=week&metric=share`,
`&smooth=7` for a trailing mean, and one `q=` per query: `&q=tariff*&q="Alaska summit"`), so a copied link
restores the view. A click on a
point opens the Articles page with the articles behind it.
"""

from __future__ import annotations

import shlex
from datetime import date
from typing import Any
from urllib.parse import urlencode

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from dashboard import charts, data, layout, tables
from dashboard.url_state import (
    BUCKETS,
    MAX_ENTITIES,
    MAX_QUERIES,
    MAX_QUERY_CHARS,
    METRICS,
    SMOOTHINGS,
    ArticlesView,
    SpikesView,
    TrendsView,
    clicked_articles,
    save_as_entity_params,
    trends_view_from_params,
)
from warehouse import QueryInvalid, WarehouseError

_METRIC_LABELS = {"articles": "Articles", "share": "Share of all articles"}
_BUCKET_LABELS = {"day": "Day", "week": "Week", "month": "Month"}
_STATE_KEYS = {
    "entities": "trends_entities",
    "from": "trends_from",
    "to": "trends_to",
    "bucket": "trends_bucket",
    "metric": "trends_metric",
    "split": "trends_per_outlet",
    "queries": "trends_queries",
    "smooth": "trends_smooth",
}
_QUERY_INPUT_KEY = "trends_query_input"
_KNOWN_QUERIES_KEY = "trends_known_queries"  # every query typed this session, to put back after removing it
_CHART_KEY = "trends_chart"
_ARTICLES_PAGE = "app_pages/articles.py"
_SPIKES_PAGE = "app_pages/spikes.py"
_WATCHLIST_PAGE = "app_pages/watchlist.py"
QUERY_HELP = (
    'Words, `"exact phrases"`, `AND` (the default), `OR`, `NOT` or a leading `-`, `(parentheses)`, a trailing `*` '
    "for word forms (`sanction*`), `title:` for titles only. A word in lower case matches any case; one with a "
    f"capital matches exactly. Press Enter to add the line (at most {MAX_QUERIES}); docs/counting.md has the rules."
)


def _restore_controls(view: TrendsView, names: dict[str, str], *, first_day: date, last_day: date) -> None:
    """Seed the widgets from the URL on a session's first run; keep them valid as the data changes."""
    initial = {
        "entities": list(view.entity_ids),
        "from": view.start,
        "to": view.end,
        "bucket": view.bucket,
        "metric": view.metric,
        "split": view.per_outlet,
        "queries": list(view.queries),
        "smooth": view.smooth,
    }
    layout.seed_controls({key: initial[name] for name, key in _STATE_KEYS.items()})
    layout.seed_controls({_KNOWN_QUERIES_KEY: list(view.queries)})
    layout.keep_known(_STATE_KEYS["entities"], names)
    layout.keep_days_in_range(
        {_STATE_KEYS["from"]: view.start, _STATE_KEYS["to"]: view.end}, first_day=first_day, last_day=last_day
    )


def _add_query() -> None:
    """Put the typed query among the lines (at most MAX_QUERIES) and empty the box for the next one."""
    text = " ".join((st.session_state.get(_QUERY_INPUT_KEY) or "").split())
    st.session_state[_QUERY_INPUT_KEY] = ""
    if not text:
        return
    known = st.session_state.setdefault(_KNOWN_QUERIES_KEY, [])
    if text not in known:
        known.append(text)
    current = list(st.session_state.get(_STATE_KEYS["queries"], []))
    if text in current:
        return
    if len(current) >= MAX_QUERIES:
        st.toast(f"At most {MAX_QUERIES} queries at once: remove one to add another.", icon=":material/block:")
        return
    st.session_state[_STATE_KEYS["queries"]] = [*current, text]


def _query_controls() -> tuple[str, ...]:
    """The box a query is typed into, and the queries drawn (each removable)."""
    typed, listed = st.columns([2, 3], vertical_alignment="bottom")
    typed.text_input(
        "Add a query",
        key=_QUERY_INPUT_KEY,
        max_chars=MAX_QUERY_CHARS,
        placeholder='e.g. "Alaska summit" OR tariff*',
        help=QUERY_HELP,
        icon=":material/search:",
        on_change=_add_query,
    )
    current = list(st.session_state.get(_STATE_KEYS["queries"], []))
    options = list(dict.fromkeys([*current, *st.session_state.get(_KNOWN_QUERIES_KEY, [])]))
    chosen = listed.multiselect(
        "Queries",
        options=options,
        key=_STATE_KEYS["queries"],
        placeholder="The queries you add show here",
        max_selections=MAX_QUERIES,
    )
    return tuple(chosen)


def _controls(requested: TrendsView, names: dict[str, str], *, first_day: date, last_day: date) -> TrendsView:
    queries = _query_controls()
    chosen = st.multiselect(
        "Entities",
        options=list(names),
        format_func=names.__getitem__,
        key=_STATE_KEYS["entities"],
        placeholder="Pick leaders or themes",
        max_selections=MAX_ENTITIES,
    )
    since, until, bucket, metric, split = st.columns([1.6, 1.6, 2.3, 3.0, 2.0], vertical_alignment="bottom")
    smooth, _ = st.columns([3.2, 7.3])  # a row of its own: beside the others it would not fit at laptop widths
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
    bucket_name = bucket_choice or requested.bucket
    smooth_choice = smooth.segmented_control(
        "Smooth",
        options=list(SMOOTHINGS),
        format_func=lambda window: "None" if window == 1 else f"{window} {bucket_name}s",
        key=_STATE_KEYS["smooth"],
        required=True,
        help="Each point the mean of this many buckets ending there, as `newstally series --smooth N`; "
        "a share is the window's articles mentioning over all its articles.",
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
        queries=queries,
        smooth=smooth_choice or requested.smooth,
    )


@st.fragment(run_every="30s")
def _coverage(path: str, view: TrendsView, names: dict[str, str], collection: str | None = None) -> None:
    """The chart, its summary and its downloads; re-run every 30 s so new fetches show up."""
    try:
        facts = layout.current_facts(path)
        if facts is None:
            return
        version = facts.data_version

        def read(smooth: int) -> pd.DataFrame:
            return data.entity_series(
                path,
                version,
                view.entity_ids,
                bucket=view.bucket,
                start=view.start,
                end=view.end,
                by_source=view.per_outlet,
                queries=view.queries,
                collection=collection,
                smooth=smooth,
            )

        days = layout.corpus_days(facts)
        # Every spike of the lines, judged over all the data as the Spikes page judges them (so a marker's
        # link finds its episode there), and read once per data version rather than again for every range.
        # First, so a new query's pass over all the text is the one its line is then drawn from
        # (warehouse.counting.remembered).
        episodes = (
            data.spike_markers(
                path,
                facts.data_version,
                tuple(sorted(view.entity_ids)),
                first_day=days[0],
                last_day=days[1],
                collection=collection,
            )
            + data.query_spike_markers(
                path, facts.data_version, view.queries, first_day=days[0], last_day=days[1], collection=collection
            )
            if days is not None
            else []
        )
        series = read(view.smooth)
        # The totals under the chart are counts over the range, whatever the smoothing of the lines.
        counted = series if view.smooth == 1 else read(1)
        events = data.events(path, facts.data_version)
        completeness = data.ingest_completeness(path, facts.data_version, start=view.start, end=view.end)
    except QueryInvalid as error:
        st.error(f"A query cannot be drawn: {tables.markdown_escaped(str(error))}", icon=":material/error:")
        return
    except WarehouseError as error:
        layout.read_failed(error)
        return
    chosen = {entity_id: names[entity_id] for entity_id in view.entity_ids} | tables.query_labels(view.queries, names)
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
                smooth=view.smooth,
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
            title=_chart_title(view),
            palette=palette,
            queries=view.queries,
            smooth=view.smooth,
        )

    spec = data.chart_spec(("trends", path, facts.data_version, view, collection, tuple(chosen.items()), theme), chart)
    if view.per_outlet:
        st.vega_lite_chart(spec, width=None)
    else:
        clicked = st.vega_lite_chart(
            spec, width="stretch", on_select="rerun", selection_mode=[charts.OPEN_ARTICLES], key=_CHART_KEY
        )
        _open_clicked_point(clicked, view)
    if len(gaps):
        st.caption(
            f"Grey bands mark {len(gaps):,} day{'s' if len(gaps) != 1 else ''} on which some outlet's feeds "
            "were not all fetched successfully (see Sources → Feed health): coverage on those days may be "
            "undercounted, not quieter. Hover a band for the outlets affected."
        )
    _downloads(shown, chart, view, palette=palette)

    totals = tables.entity_totals(shown if view.smooth == 1 else tables.series_as_shown(counted, chosen))
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


def _open_clicked_point(clicked: Any, view: TrendsView) -> None:
    """On a click on a point, the Articles page with the articles behind it."""
    selection = clicked.get("selection", {}) if isinstance(clicked, dict) else getattr(clicked, "selection", {})
    articles = clicked_articles(list(selection.get(charts.OPEN_ARTICLES) or []), view)
    if articles is not None:
        st.switch_page(_ARTICLES_PAGE, query_params=articles.to_params())


def equivalent_command(view: TrendsView, collection: str | None = None) -> str:
    """The `newstally series` command that prints the numbers charted, quoted for a POSIX shell."""
    entities = ["--entity", ",".join(view.entity_ids)] if view.entity_ids else []
    queries = [part for query in view.queries for part in ("--query", query)]
    return shlex.join(
        [
            "newstally",
            "series",
            *entities,
            *queries,
            "--bucket",
            view.bucket,
            "--from",
            view.start.isoformat(),
            "--to",
            view.end.isoformat(),
            *(["--by-source"] if view.per_outlet else []),
            *(["--smooth", str(view.smooth)] if view.smooth > 1 else []),
            *(["--collection", collection] if collection else []),
        ]
    )


def _chart_title(view: TrendsView) -> str | None:
    """The chart's title when queries are drawn (they match rather than mention); None for the usual one."""
    if not view.queries:
        return None
    lines = "each entity or matching each query" if view.entity_ids else "matching each query"
    if view.metric == "share":
        return f"Share of all articles {'mentioning ' if view.entity_ids else ''}{lines}, per {view.bucket}"
    return f"Articles {'mentioning ' if view.entity_ids else ''}{lines}, per {view.bucket}"


def _downloads(shown: pd.DataFrame, chart: charts.ChartBuilder, view: TrendsView, *, palette: charts.Palette) -> None:
    """The series as charted, with the CLI command that prints the same numbers recorded beside it; the chart."""
    layout.table_and_chart_downloads(
        shown,
        chart,
        stem=f"newstally-{view.metric}-{view.bucket}-{view.start}-{view.end}"
        + (f"-smooth{view.smooth}" if view.smooth > 1 else "")
        + ("-per-outlet" if view.per_outlet else ""),
        palette=palette,
        page="trends",
        view=view.to_params(),
        description="The series as charted: one row per entity or query and bucket"
        + (" and outlet" if view.per_outlet else "")
        + " in the chosen range"
        + (f", each value the trailing mean over {view.smooth} {view.bucket}s" if view.smooth > 1 else "")
        + f"; share_base: the articles each share divides, small_base: fewer than {tables.SMALL_BASE_ARTICLES}.",
        options={
            "bucket": view.bucket,
            "tz": "UTC",
            "smooth": view.smooth,
            "equivalent_command": equivalent_command(view, layout.chosen_collection()),
        },
    )


def _headline_links(view: TrendsView, names: dict[str, str]) -> None:
    """Links to the Articles page listing each line's articles over the chart's range, to each entity's spikes,
    and to the Watchlist page to keep a query as an entity."""
    st.markdown("**Headlines behind the chart**")
    links = st.container(horizontal=True)
    for query, label in tables.query_labels(view.queries, names).items():
        links.page_link(
            _ARTICLES_PAGE,
            label=tables.markdown_escaped(label),
            icon=":material/search:",
            query_params=ArticlesView(text=query, start=view.start, end=view.end).to_params(),
            help=f"The articles the query {tables.markdown_escaped(query)} matches, "
            f"{view.start:%d %b %Y} – {view.end:%d %b %Y}",
        )
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
    if view.queries:
        keep = st.container(horizontal=True)
        for query in view.queries:
            _save_as_entity_link(keep, query)


def _save_as_entity_link(place: Any, query: str) -> None:
    """A link to the Watchlist page, which starts a new entity from `query`."""
    label = f"Save {tables.markdown_escaped(query)} as entity"
    params = save_as_entity_params(query)
    try:
        place.page_link(
            _WATCHLIST_PAGE,
            label=label,
            icon=":material/bookmark_add:",
            query_params=params,
            help="Keep this query: a new leader or theme on the watchlist, its history counted",
        )
    except StreamlitAPIException:  # an app without the Watchlist page in its navigation: the plain link
        place.markdown(f"[{label}](watchlist?{urlencode(params)})")


def render() -> None:
    corpus = layout.open_corpus("Trends")
    if corpus is None:
        return
    path, first_day, last_day = corpus.path, corpus.first_day, corpus.last_day
    names = layout.entity_names(corpus)
    if names is None:
        return

    params = {**st.query_params.to_dict(), "q": st.query_params.get_all("q")}
    requested = trends_view_from_params(params, entity_ids=list(names), first_day=first_day, last_day=last_day)
    _restore_controls(requested, names, first_day=first_day, last_day=last_day)
    view = _controls(requested, names, first_day=first_day, last_day=last_day)
    layout.write_url(view.to_params(), also_owns=("split", "q", "smooth"))
    if not view.entity_ids and not view.queries:
        st.info("Pick at least one entity, or add a query, to draw its coverage.", icon=":material/touch_app:")
        return
    problems = [(query, data.query_problem(query)) for query in view.queries]
    if any(problem for _, problem in problems):
        for query, problem in problems:
            if problem:
                st.error(
                    f"The query {tables.markdown_escaped(query)} cannot be read: {tables.markdown_escaped(problem)}",
                    icon=":material/error:",
                )
        return
    _coverage(path, view, names, corpus.collection)
    _headline_links(view, names)


render()
