"""Spikes: an entity's (or a typed query's) spike episodes, newest first, and for one of them the headlines, words
and events behind it.

The choice lives in the URL (`?entity=putin&spike=putin:2018-07-14`, or `?q=putin AND helsinki&spike=…` for a
query), so the Trends page and an alert can link to it and a copied link restores it. "Alert me" makes an alert
rule on what is shown. Feed text is shown as plain text in tables, never as HTML.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import streamlit as st

from dashboard import alert_form, data, layout, tables
from dashboard.url_state import MAX_QUERY_CHARS, SpikesView, spikes_view_from_params
from warehouse import Episode, WarehouseError

_ENTITY_KEY = "spikes_entity"
_EPISODE_KEY = "spikes_episode"
_QUERY_KEY = "spikes_query"
_WRITTEN_KEY = "spikes_written_params"  # the query string this session last wrote
USUAL_DAYS = 28  # an outlet's usual share is read over the days before the spike, as the spike's own baseline


def _file_part(episode_id: str) -> str:
    """An episode id as part of a file name: `putin-2018-07-14`, a query's words hyphenated the same way."""
    return re.sub(r"[^\w]+", "-", episode_id).strip("-")


def _episode_holding(requested: object, episodes: list[Episode]) -> str | None:
    """The episode whose days hold the day a spike id names, give or take a day (an alert's episode is dated in
    its rule's zone and from the first hours of a day, the spike method's in whole UTC days); None if none does."""
    if not isinstance(requested, str) or ":" not in requested:
        return None
    try:
        day = date.fromisoformat(requested.rsplit(":", 1)[1])
    except ValueError:
        return None
    slack = timedelta(days=1)
    holding = [episode for episode in episodes if episode.start - slack <= day <= episode.end + slack]
    return min(holding, key=lambda episode: abs((episode.start - day).days)).episode_id if holding else None


def _restore_controls(requested: SpikesView) -> None:
    """Seed the pickers from the URL when it is new to this session (first run, or a link followed)."""
    if layout.url_is_new(_WRITTEN_KEY, requested.to_params()) or _ENTITY_KEY not in st.session_state:
        st.session_state[_ENTITY_KEY] = requested.entity_id
        st.session_state[_EPISODE_KEY] = requested.episode_id
        st.session_state[_QUERY_KEY] = requested.query or ""


def _explain(episode: Episode, name: str, data_version: object, view: SpikesView) -> None:
    """The chosen episode's headlines, the outlets that covered it and those that did not, rising words and events."""
    days = f"{episode.start:%d %b %Y}" + (f" – {episode.end:%d %b %Y}" if episode.end > episode.start else "")
    st.subheader(f"{tables.markdown_escaped(name)}, {days}")
    st.caption(
        f"Peak {episode.peak:%a %d %b %Y}: {episode.peak_articles:,} of {episode.peak_total_articles:,} articles "
        f"({100 * episode.peak_share:.1f} %) against a usual {100 * episode.baseline_share:.1f} %; "
        f"score {episode.score:.1f}."
    )
    st.markdown("**Headlines that drove it**, each story by the outlet that ran it first")
    headlines = tables.headlines_as_shown(episode)
    layout.show_table(
        headlines,
        {
            "published_at": st.column_config.DatetimeColumn("Published (UTC)", format="YYYY-MM-DD HH:mm"),
            "source": st.column_config.TextColumn("Outlet"),
            "title": st.column_config.TextColumn("Headline", width="large"),
            "outlets": st.column_config.NumberColumn("Outlets that ran it", format="%d"),
            "url": st.column_config.LinkColumn("Link", display_text="Open ↗", width="small"),
        },
    )
    layout.table_downloads(
        headlines,
        stem=f"newstally-spike-headlines-{_file_part(episode.episode_id)}",
        page="spikes",
        view=view.to_params(),
        description="The headlines behind the spike, as listed.",
        table="spikes",
    )
    _outlet_coverage(episode, name, data_version, view)
    words, nearby = st.columns(2)
    words.markdown("**Rising words** in the titles, against the 28 days before")
    terms = tables.rising_terms_as_shown(episode)
    if terms.empty:
        words.caption("No word rose clearly.")
    else:
        layout.show_table(
            terms,
            {
                "term": st.column_config.TextColumn("Word"),
                "episode_articles": st.column_config.NumberColumn("Titles in the spike", format="%d"),
                "baseline_articles": st.column_config.NumberColumn("Titles before", format="%d"),
                "times_as_frequent": st.column_config.NumberColumn("Times as frequent", format="%.1f ×"),
            },
            place=words,
        )
    nearby.markdown("**Calendar events** within three days")
    if not episode.events:
        nearby.caption("None on the calendar.")
    else:
        layout.show_table(
            tables.events_as_shown(episode.events),
            {
                "name": st.column_config.TextColumn("Event"),
                "when": st.column_config.TextColumn("Date"),
                "participants": st.column_config.TextColumn("Participants"),
                "place": st.column_config.TextColumn("Place"),
            },
            place=nearby,
        )


def _outlet_coverage(episode: Episode, name: str, data_version: object, view: SpikesView) -> None:
    """Which outlets carried the spike and which ignored it, each against its own usual share."""
    shown_name = tables.markdown_escaped(name)
    try:
        series = data.entity_series(
            data.warehouse_path(),
            data_version,
            () if view.query else (episode.entity_id,),
            queries=(view.query,) if view.query else (),
            bucket="day",
            start=episode.start - timedelta(days=USUAL_DAYS),
            end=episode.end,
            by_source=True,
            collection=layout.chosen_collection(),
        )
    except WarehouseError as error:
        layout.read_failed(error)
        return
    coverage = tables.outlet_coverage_as_shown(series, start=episode.start, end=episode.end)
    st.markdown(
        f"**Outlets**: their articles mentioning {shown_name} in the spike, against their own {USUAL_DAYS} days before"
    )
    ignored = tables.outlets_that_ignored(coverage)
    if ignored:
        st.caption(f"Not one article mentioning {shown_name} in the spike from: {', '.join(ignored)}.")
    else:
        st.caption("Every outlet that published in the spike mentioned it.")
    layout.show_table(
        coverage,
        {
            "source": st.column_config.TextColumn("Outlet"),
            "articles": st.column_config.NumberColumn(f"Articles mentioning {name}", format="%d"),
            "total_articles": st.column_config.NumberColumn("All its articles", format="%d"),
            "share_percent": st.column_config.NumberColumn("Share in the spike", format="%.2f %%"),
            "usual_share_percent": st.column_config.NumberColumn(f"Usual share ({USUAL_DAYS} days)", format="%.2f %%"),
            "small_base": st.column_config.CheckboxColumn(
                "Few articles",
                help=f"Fewer than {tables.SMALL_BASE_ARTICLES} articles in the spike or before it: too few for the"
                " share to mean much",
            ),
        },
    )
    layout.table_downloads(
        coverage,
        stem=f"newstally-spike-outlets-{_file_part(episode.episode_id)}",
        page="spikes",
        view=view.to_params(),
        description="Per outlet: articles mentioning the entity in the spike, all its articles, the share in %, and"
        f" its share in % over the {USUAL_DAYS} days before, as listed.",
        table="series",
    )


def _choose(names: dict[str, str]) -> tuple[str, str | None]:
    """The entity picker and, beside it, the box for a query explained instead; both seeded from the URL."""
    entity_column, query_column = st.columns(2)
    entity_id = entity_column.selectbox("Entity", options=list(names), format_func=names.__getitem__, key=_ENTITY_KEY)
    query = query_column.text_input(
        "Or a query",
        key=_QUERY_KEY,
        max_chars=MAX_QUERY_CHARS,
        placeholder="putin AND (helsinki OR summit)",
        help="The spikes of what a query matches instead of the entity's (docs/counting.md); empty it to go back",
    )
    return entity_id, query.strip() or None


def render() -> None:
    corpus = layout.open_corpus("Spikes")
    if corpus is None:
        return
    names = layout.entity_names(corpus)
    if names is None:
        return
    _restore_controls(spikes_view_from_params(st.query_params.to_dict(), entity_ids=list(names)))
    entity_id, query = _choose(names)
    if query is not None and (problem := data.query_problem(query)) is not None:
        layout.write_url(SpikesView(entity_id=entity_id, query=query).to_params(), written_key=_WRITTEN_KEY)
        st.error(f"Not a query: {tables.markdown_escaped(problem)}", icon=":material/error:")
        return
    # A query's episodes carry its text as their entity_id (warehouse.spike_episodes(queries=...)).
    subject, name = (query, f"“{query}”") if query else (entity_id, names[entity_id])
    alert_form.alert_me(corpus.path, name, entity_id=None if query else entity_id, query=query)
    try:
        if query:
            episodes = data.query_spike_episodes(
                corpus.path, corpus.facts.data_version, (query,), collection=corpus.collection
            )
        else:
            episodes = data.spike_episodes(
                corpus.path, corpus.facts.data_version, (entity_id,), collection=corpus.collection
            )
    except WarehouseError as error:
        layout.read_failed(error)
        return
    shown = tables.spikes_as_shown(episodes, {subject: name})
    if shown.empty:
        layout.write_url(SpikesView(entity_id=entity_id, query=query).to_params(), written_key=_WRITTEN_KEY)
        st.info(
            f"No spikes found for {tables.markdown_escaped(name)}: no day stood far above its 28 days before.",
            icon=":material/horizontal_rule:",
        )
        return
    episode_ids = shown["episode_id"].tolist()
    if st.session_state.get(_EPISODE_KEY) not in episode_ids:
        held = _episode_holding(st.session_state.get(_EPISODE_KEY), episodes)
        st.session_state[_EPISODE_KEY] = held or episode_ids[0]
    episode_id = st.selectbox(
        f"Spike ({len(episode_ids)} in all, newest first)",
        options=episode_ids,
        format_func=lambda chosen: tables.episode_label(chosen, shown),
        key=_EPISODE_KEY,
    )
    view = SpikesView(entity_id=entity_id, episode_id=episode_id, query=query)
    layout.write_url(view.to_params(), written_key=_WRITTEN_KEY)

    chosen = next(episode for episode in episodes if episode.episode_id == episode_id)
    _explain(chosen, name, corpus.facts.data_version, view)

    st.markdown(f"**Every spike of {tables.markdown_escaped(name)}**")
    layout.show_table(
        shown.drop(columns=["episode_id", "entity_id"]),
        {
            "entity": None,
            "start": st.column_config.DateColumn("Start"),
            "peak": st.column_config.DateColumn("Peak"),
            "end": st.column_config.DateColumn("End"),
            "peak_articles": st.column_config.NumberColumn("Articles on the peak day", format="%d"),
            "peak_share_percent": st.column_config.NumberColumn("Peak share", format="%.2f %%"),
            "baseline_share_percent": st.column_config.NumberColumn("Usual share", format="%.2f %%"),
            "score": st.column_config.NumberColumn("Score", format="%.1f"),
            "top_headline": st.column_config.TextColumn("Top headline", width="large"),
        },
    )
    layout.table_downloads(
        shown,
        stem=f"newstally-spikes-{entity_id if query is None else 'query'}",
        page="spikes",
        view=view.to_params(),
        description="Every spike episode of the entity (or query), as listed: dates, shares in %, score, top headline.",
        table="spikes",
    )


render()
