"""Co-mentions: which themes each leader's coverage is about, how that moved against the period before,
and which outlets tie a leader to a theme far more or less than everyone else.

The controls live in the URL (`?from=2018-07-01&to=2018-07-28&show=change`), so a copied link restores the view.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from dashboard import charts, data, layout, tables
from dashboard.url_state import COMENTION_SHOWS, ComentionsView, comentions_view_from_params
from warehouse import WarehouseError

_STATE_KEYS = {"from": "comentions_from", "to": "comentions_to", "show": "comentions_show"}
_WRITTEN_KEY = "comentions_written_params"  # the query string this session last wrote
_SHOW_LABELS = {"share": "Share", "change": "Change vs before"}


def _restore_controls(requested: ComentionsView, *, first_day: date, last_day: date) -> None:
    """Seed the controls from the URL when it is new to this session (first run, or a link followed)."""
    initial = {"from": requested.start, "to": requested.end, "show": requested.show}
    layout.seed_controls(
        {key: initial[name] for name, key in _STATE_KEYS.items()},
        replace=layout.url_is_new(_WRITTEN_KEY, requested.to_params()),
    )
    layout.keep_days_in_range(
        {_STATE_KEYS["from"]: requested.start, _STATE_KEYS["to"]: requested.end}, first_day=first_day, last_day=last_day
    )


def _controls(requested: ComentionsView, *, first_day: date, last_day: date) -> ComentionsView:
    since, until, show, _ = st.columns([1.6, 1.6, 2.6, 4.2], vertical_alignment="bottom")
    start, end = layout.date_range(
        since,
        until,
        keys=(_STATE_KEYS["from"], _STATE_KEYS["to"]),
        first_day=first_day,
        last_day=last_day,
        fallback=(requested.start, requested.end),
    )
    shown = show.segmented_control(
        "Show",
        options=list(COMENTION_SHOWS),
        format_func=_SHOW_LABELS.__getitem__,
        key=_STATE_KEYS["show"],
        required=True,
    )
    return ComentionsView(start=start, end=end, show=shown or requested.show)


@st.fragment(run_every="30s")
def _matrix(path: str, view: ComentionsView, names: dict[str, str], collection: str | None) -> None:
    """The heatmap and the outlets that diverge; re-run every 30 s so new fetches show up."""
    try:
        facts = layout.current_facts(path)
        if facts is None:
            return
        matrix = data.comention_matrix(path, facts.data_version, start=view.start, end=view.end, collection=collection)
    except WarehouseError as error:
        layout.read_failed(error)
        return
    shown = tables.comentions_as_shown(matrix, names)
    if shown.empty or int(shown["leader_articles"].sum()) == 0:
        st.info(
            f"No article mentions a leader between {view.start:%d %b %Y} and {view.end:%d %b %Y}. Try a wider range.",
            icon=":material/grid_off:",
        )
        return
    theme, palette = layout.page_theme()

    def chart() -> charts.Chart:
        return charts.comention_heatmap(
            shown, show=view.show, start=view.start, end=view.end, previous_start=view.previous_start, palette=palette
        )

    spec = data.chart_spec(("comentions", path, facts.data_version, view, collection, theme), chart)
    st.vega_lite_chart(spec, width="stretch")
    st.caption(
        "Each cell: of the articles mentioning the leader, the % that also mention the theme, and in brackets "
        f"how many articles mention the leader. Cells over fewer than {tables.SMALL_BASE_ARTICLES} articles are pale "
        "with a dashed outline and left off the colour scale: one article more or less would move them by 5 points "
        "or more. "
        "The period before is as long as the chosen one and ends the day before it starts. "
        "Leaders with no articles in either period are left out."
    )
    span = f"{view.start}-{view.end}"
    layout.table_and_chart_downloads(
        shown,
        chart,
        stem=f"newstally-comentions-{span}",
        chart_stem=f"newstally-comentions-{view.show}-{span}",
        palette=palette,
        page="comentions",
        view=view.to_params(),
        description="Every leader × theme pair: articles, shares in % now and before, change in points.",
        table="comentions",
    )

    st.subheader("Outlets that diverge most")
    # Read after the heatmap is sent, so the browser draws it while this query runs.
    try:
        divergence = data.comention_outlet_divergence(
            path, facts.data_version, start=view.start, end=view.end, collection=collection
        )
    except WarehouseError as error:
        layout.read_failed(error)
        return
    outlets = tables.divergence_as_shown(divergence, names)
    if outlets.empty:
        st.caption("No outlet has enough articles on a leader in this period to compare (5 or more are needed).")
        return
    st.caption(
        "Where one outlet ties a leader to a theme far more (or less) often than all outlets together; "
        "outlets with fewer than 5 articles on the leader are left out."
    )
    layout.show_table(
        outlets,
        {
            "source": st.column_config.TextColumn("Outlet"),
            "leader": st.column_config.TextColumn("Leader"),
            "theme": st.column_config.TextColumn("Theme"),
            "leader_articles": st.column_config.NumberColumn("On the leader", format="%d"),
            "both_articles": st.column_config.NumberColumn("…and the theme", format="%d"),
            "share_percent": st.column_config.NumberColumn("Outlet's share", format="%.1f %%"),
            "all_outlets_share_percent": st.column_config.NumberColumn("All outlets' share", format="%.1f %%"),
            "difference_points": st.column_config.NumberColumn("Gap (points)", format="%+.1f"),
            "small_base": st.column_config.CheckboxColumn(
                "Few articles",
                help=f"Fewer than {tables.SMALL_BASE_ARTICLES} articles on the leader in this outlet: too few for"
                " the share to mean much",
            ),
        },
    )
    layout.table_downloads(
        outlets,
        stem=f"newstally-comention-outlets-{span}",
        page="comentions",
        view=view.to_params(),
        description="The outlet × leader × theme shares furthest from all outlets', as listed.",
        table="comentions",
    )


def render() -> None:
    corpus = layout.open_corpus("Co-mentions")
    if corpus is None:
        return
    names = layout.entity_names(corpus)
    if names is None:
        return
    requested = comentions_view_from_params(
        st.query_params.to_dict(), first_day=corpus.first_day, last_day=corpus.last_day
    )
    _restore_controls(requested, first_day=corpus.first_day, last_day=corpus.last_day)
    view = _controls(requested, first_day=corpus.first_day, last_day=corpus.last_day)
    layout.write_url(view.to_params(), written_key=_WRITTEN_KEY)
    _matrix(corpus.path, view, names, corpus.collection)


render()
