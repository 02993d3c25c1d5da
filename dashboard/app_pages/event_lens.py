"""Event lens: did an event move coverage? Each entity's daily share around it, and its lift over a baseline before.

The controls live in the URL (`?event=helsinki_2018&window=3&baseline=28&compare=anchorage_2025`), so a
copied link restores the view; a second event is drawn beside the first. docs/spikes.md explains the method.
"""

from __future__ import annotations

from datetime import timedelta

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from dashboard import charts, data, layout, tables
from dashboard.url_state import (
    MAX_ENTITIES,
    MAX_LENS_BASELINE_DAYS,
    MAX_LENS_WINDOW_DAYS,
    EventLensView,
    event_lens_view_from_params,
)
from warehouse import Event, LensDays, WarehouseError

_STATE_KEYS = {"event": "lens_event", "window": "lens_window", "baseline": "lens_baseline", "compare": "lens_compare"}
_WRITTEN_KEY = "lens_written_params"  # the query string this session last wrote


def _restore_controls(requested: EventLensView) -> None:
    """Seed the controls from the URL when it is new to this session (first run, or a link followed)."""
    initial = {
        "event": requested.event_id,
        "window": requested.window_days,
        "baseline": requested.baseline_days,
        "compare": requested.compare_id,
    }
    layout.seed_controls(
        {key: initial[name] for name, key in _STATE_KEYS.items()},
        replace=layout.url_is_new(_WRITTEN_KEY, requested.to_params()),
    )


def _controls(requested: EventLensView, calendar: dict[str, Event]) -> EventLensView:
    label = {event_id: tables.event_label(event) for event_id, event in calendar.items()}
    event, compare, window, baseline = st.columns([3, 3, 1, 1], vertical_alignment="bottom")
    event_id = event.selectbox("Event", options=list(calendar), format_func=label.__getitem__, key=_STATE_KEYS["event"])
    others = [other for other in calendar if other != event_id]
    if st.session_state.get(_STATE_KEYS["compare"]) not in others:
        st.session_state[_STATE_KEYS["compare"]] = None
    compare_id = compare.selectbox(
        "Compare with",
        options=others,
        format_func=label.__getitem__,
        key=_STATE_KEYS["compare"],
        placeholder="No second event",
    )
    window_days = window.number_input(
        "± days", min_value=0, max_value=MAX_LENS_WINDOW_DAYS, step=1, key=_STATE_KEYS["window"]
    )
    baseline_days = baseline.number_input(
        "Baseline days", min_value=1, max_value=MAX_LENS_BASELINE_DAYS, step=1, key=_STATE_KEYS["baseline"]
    )
    return EventLensView(
        event_id=event_id or requested.event_id,
        window_days=int(window_days if window_days is not None else requested.window_days),
        baseline_days=int(baseline_days or requested.baseline_days),
        compare_id=compare_id,
    )


def _lens(
    corpus: layout.Corpus, event: Event, calendar: list[Event], view: EventLensView, names: dict[str, str]
) -> None:
    """One event's daily share chart around it, its lift table and the table's download.

    When the event's own participants are on the watchlist the chart draws them whatever the
    lifts, so it is drawn first and the lifts of every entity are measured while the browser
    draws it; otherwise the chart draws the largest lifts and waits for them.
    """
    days = data.lens_days(event, calendar, window_days=view.window_days, baseline_days=view.baseline_days)
    first_day, last_day = days.window[0], days.window[-1]
    participants = tables.event_participants(event, names, limit=MAX_ENTITIES)
    # An event wholly outside the corpus has nothing to draw: its notice must not follow an empty chart.
    in_corpus = first_day <= corpus.last_day and last_day >= corpus.first_day
    place = st.empty()  # the chart, or the notice that there is nothing to measure
    try:
        chart = (
            _window_chart(place, corpus, event, days, view, names, participants) if participants and in_corpus else None
        )
        result = data.event_lens(
            corpus.path,
            corpus.facts.data_version,
            event.event_id,
            tuple(names),
            window_days=view.window_days,
            baseline_days=view.baseline_days,
            collection=corpus.collection,
        )
        if not result.entities:
            place.info(
                f"No article mentions anyone on the watchlist around {result.event.name} "
                f"({first_day:%d %b %Y} – {last_day:%d %b %Y}), nor in the baseline before it.",
                icon=":material/event_busy:",
            )
            return
        if chart is None:
            chosen = tables.lens_chart_entities(result, names, limit=MAX_ENTITIES)
            chart = _window_chart(place, corpus, event, days, view, names, chosen)
    except WarehouseError as error:
        layout.read_failed(error)
        return
    baseline = f"{len(result.days.baseline)} baseline days before the window"
    if result.days.excluded:
        baseline += f" ({len(result.days.excluded)} left out: inside another event's window)"
    st.caption(f"Lift: the mean daily share in the window over the mean in the {baseline}.")
    table = tables.lens_table_as_shown(result, names)
    layout.show_table(
        table,
        {
            "entity": st.column_config.TextColumn("Entity"),
            "window_articles": st.column_config.NumberColumn("Articles in window", format="%d"),
            "window_share_percent": st.column_config.NumberColumn("Window share", format="%.2f %%"),
            "baseline_share_percent": st.column_config.NumberColumn("Baseline share", format="%.2f %%"),
            "lift": st.column_config.NumberColumn("Lift", format="%.2f ×", help="Empty: no baseline coverage"),
            "peak_day": st.column_config.DateColumn("Peak day"),
            "days_to_peak": st.column_config.NumberColumn("Days to peak", format="%d"),
            "outlets_moved_most": st.column_config.TextColumn("Outlets that moved most", width="large"),
            "small_base": st.column_config.CheckboxColumn(
                "Few articles",
                help=f"The window or the baseline had fewer than {tables.SMALL_BASE_ARTICLES} articles in all:"
                " too few for the shares, and so the lift, to mean much",
            ),
        },
    )
    stem = f"newstally-event-lens-{event.event_id}-{view.window_days}-{view.baseline_days}"
    layout.table_and_chart_downloads(
        table,
        chart,
        stem=stem,
        palette=layout.page_theme()[1],
        page="event_lens",
        view=view.to_params(),
        description="Each entity's lift around the event, as listed.",
        table="event-lens",
    )


def _window_chart(
    place: DeltaGenerator,
    corpus: layout.Corpus,
    event: Event,
    days: LensDays,
    view: EventLensView,
    names: dict[str, str],
    chosen: list[str],
) -> charts.ChartBuilder:
    """Draw in `place` the chosen entities' daily share over the window, spikes marked; return its builder."""
    path, data_version = corpus.path, corpus.facts.data_version
    first_day, last_day = days.window[0], days.window[-1]
    series = data.entity_series(
        path, data_version, tuple(chosen), bucket="day", start=first_day, end=last_day, collection=corpus.collection
    )
    # Spikes peaking within the widest window the page offers, found once per event and entities:
    # changing the window only filters them. They are the Spikes page's episodes, judged from nearby days.
    episodes = data.spikes_peaking_within(
        path,
        data_version,
        tuple(sorted(chosen)),
        start=event.start_date - timedelta(days=MAX_LENS_WINDOW_DAYS),
        end=event.end_date + timedelta(days=MAX_LENS_WINDOW_DAYS),
        first_day=corpus.first_day,
        collection=corpus.collection,
    )
    drawn = {entity_id: names[entity_id] for entity_id in chosen}
    theme, palette = layout.page_theme()

    def chart() -> charts.Chart:
        return charts.trends_chart(
            tables.series_as_shown(series, drawn),
            [event],
            metric="share",
            bucket="day",
            start=first_day,
            end=last_day,
            spikes=tables.spikes_as_shown(episodes, drawn),
            title=f"Share of all articles, ±{view.window_days} days around {event.name}",
            palette=palette,
        )

    lens = (event.event_id, view.window_days, view.baseline_days, corpus.collection, tuple(drawn.items()))
    place.vega_lite_chart(data.chart_spec(("event-lens", path, data_version, *lens, theme), chart), width="stretch")
    return chart


def render() -> None:
    corpus = layout.open_corpus("Event lens")
    if corpus is None:
        return
    try:
        names = data.entity_names(corpus.path, corpus.facts.watchlist_hash)
        events = data.events(corpus.path, corpus.facts.data_version)
    except WarehouseError as error:
        layout.read_failed(error)
        return
    if not events:
        st.info("The calendar has no events. Add one with `newstally events add`.", icon=":material/event:")
        return
    calendar = {event.event_id: event for event in sorted(events, key=lambda event: (event.start_date, event.name))}
    requested = event_lens_view_from_params(st.query_params.to_dict(), event_ids=list(calendar))
    _restore_controls(requested)
    view = _controls(requested, calendar)
    layout.write_url(view.to_params(), written_key=_WRITTEN_KEY)
    events_in_order = list(calendar.values())
    if view.compare_id is None:
        _lens(corpus, calendar[view.event_id], events_in_order, view, names)
        return
    for place, event_id in zip(st.columns(2), (view.event_id, view.compare_id), strict=True):
        with place:
            _lens(corpus, calendar[event_id], events_in_order, view, names)


render()
