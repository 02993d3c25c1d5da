"""Articles: the headlines behind any count, searched with a query and filtered, newest first, a page at a time.

The search box takes a query in the language of Trends' lines (`"Alaska summit" OR tariff*`; a plain word is
one), so a point clicked on a query's line lists exactly the articles it counts.

The controls live in the URL (`?q=summit&entity=putin&source=Example+Times&from=2018-07-01&to=2018-07-31&page=2`),
so a copied link, or one from the Trends page, restores the view. Feed text is shown as plain
text in a table, never as markdown or HTML.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboard import data, layout, tables
from dashboard.url_state import ARTICLES_PAGE_SIZE, MAX_SEARCH_CHARS, ArticlesView, articles_view_from_params
from warehouse import QueryInvalid, WarehouseError

_STATE_KEYS = {
    "q": "articles_q",
    "entity": "articles_entity",
    "source": "articles_source",
    "from": "articles_from",
    "to": "articles_to",
}
_PAGE_KEY = "articles_page"
_WRITTEN_KEY = "articles_written_params"  # the query string this session last wrote


def _restore_controls(requested: ArticlesView, names: dict[str, str], sources: list[str]) -> None:
    """Seed the widgets from the URL when it is new to this session (first run, or a link followed)."""
    initial = {
        "q": requested.text,
        "entity": requested.entity_id,
        "source": requested.source,
        "from": requested.start,
        "to": requested.end,
    }
    layout.seed_controls(
        {**{key: initial[name] for name, key in _STATE_KEYS.items()}, _PAGE_KEY: requested.page},
        replace=layout.url_is_new(_WRITTEN_KEY, requested.to_params()),
    )
    if st.session_state[_STATE_KEYS["entity"]] not in names:
        st.session_state[_STATE_KEYS["entity"]] = None
    if st.session_state[_STATE_KEYS["source"]] not in sources:
        st.session_state[_STATE_KEYS["source"]] = None


def _first_page() -> None:
    st.session_state[_PAGE_KEY] = 1


def _controls(names: dict[str, str], sources: list[str], *, first_day: date, last_day: date) -> ArticlesView:
    text = st.text_input(
        "Search titles and summaries",
        key=_STATE_KEYS["q"],
        max_chars=MAX_SEARCH_CHARS,
        placeholder='Words or a query, e.g. "Alaska summit" OR tariff*',
        icon=":material/search:",
        on_change=_first_page,
    )
    entity, outlet, since, until = st.columns([2, 2, 1.2, 1.2], vertical_alignment="bottom")
    entity_id = entity.selectbox(
        "Mentions",
        options=list(names),
        format_func=names.__getitem__,
        key=_STATE_KEYS["entity"],
        placeholder="Any entity",
        on_change=_first_page,
    )
    source = outlet.selectbox(
        "Outlet", options=sources, key=_STATE_KEYS["source"], placeholder="Any outlet", on_change=_first_page
    )
    start = since.date_input(
        "From",
        min_value=first_day,
        max_value=last_day,
        key=_STATE_KEYS["from"],
        format="YYYY-MM-DD",
        on_change=_first_page,
    )
    end = until.date_input(
        "To",
        min_value=first_day,
        max_value=last_day,
        key=_STATE_KEYS["to"],
        format="YYYY-MM-DD",
        on_change=_first_page,
    )
    if start and end and start > end:
        start, end = end, start
    return ArticlesView(
        text=(text or "").strip(),
        entity_id=entity_id,
        source=source,
        start=start,
        end=end,
        page=st.session_state[_PAGE_KEY],
    )


def _step_page(step: int) -> None:
    st.session_state[_PAGE_KEY] = max(1, st.session_state[_PAGE_KEY] + step)


@st.fragment(run_every="30s")
def _results(path: str, filters: ArticlesView, names: dict[str, str]) -> None:
    """The matching articles, a pager and a download; re-run every 30 s so new articles show up."""
    page = st.session_state[_PAGE_KEY]
    try:
        facts = layout.current_facts(path)
        if facts is None:
            return
        found, total = _search(path, facts.data_version, filters, page)
        pages = tables.page_count(total, ARTICLES_PAGE_SIZE)
        if page > pages:  # fewer matches than when the link was made
            page = st.session_state[_PAGE_KEY] = pages
            found, total = _search(path, facts.data_version, filters, page)
    except QueryInvalid as error:
        layout.write_url(filters.to_params(), written_key=_WRITTEN_KEY)
        st.error(f"The search cannot be read: {tables.markdown_escaped(str(error))}", icon=":material/error:")
        return
    except WarehouseError as error:
        layout.read_failed(error)
        return
    view = ArticlesView(filters.text, filters.entity_id, filters.source, filters.start, filters.end, page)
    layout.write_url(view.to_params(), written_key=_WRITTEN_KEY)

    if total == 0:
        st.info(
            "No articles match. Try fewer words, OR between them, another outlet or a wider range.",
            icon=":material/search_off:",
        )
        return
    first_shown = (page - 1) * ARTICLES_PAGE_SIZE + 1
    shown = tables.articles_as_shown(found, names)
    layout.show_table(
        shown,
        {
            "published_at": st.column_config.DatetimeColumn("Published (UTC)", format="YYYY-MM-DD HH:mm"),
            "source": st.column_config.TextColumn("Outlet"),
            "title": st.column_config.TextColumn("Title", width="large"),
            "entities": st.column_config.TextColumn("Mentions"),
            "url": st.column_config.LinkColumn("Link", display_text="Open ↗", width="small"),
            "summary": st.column_config.TextColumn("Summary"),
        },
        height=min(38 + 35 * len(shown), 38 + 35 * 20),
    )
    previous, position, following, download = st.columns([1, 2.6, 1, 2.6], vertical_alignment="center")
    previous.button(
        "Previous",
        icon=":material/chevron_left:",
        disabled=page <= 1,
        on_click=_step_page,
        args=(-1,),
        key="articles_previous",
    )
    position.caption(
        f"Articles {first_shown:,}–{first_shown + len(shown) - 1:,} of {total:,}, newest first · page {page} of {pages}"
    )
    following.button(
        "Next",
        icon=":material/chevron_right:",
        disabled=page >= pages,
        on_click=_step_page,
        args=(1,),
        key="articles_next",
    )
    layout.table_downloads(
        shown,
        stem=f"newstally-articles-page-{page}",
        page="articles",
        view=view.to_params(),
        description="The articles listed on this page, as shown.",
        place=download,
    )


def _search(path: str, data_version: str, filters: ArticlesView, page: int) -> tuple[pd.DataFrame, int]:
    return data.search_articles(
        path,
        data_version,
        query=filters.text,
        entity_id=filters.entity_id,
        source=filters.source,
        start=filters.start,
        end=filters.end,
        limit=ARTICLES_PAGE_SIZE,
        offset=(page - 1) * ARTICLES_PAGE_SIZE,
        collection=layout.chosen_collection(),
    )


def render() -> None:
    corpus = layout.open_corpus("Articles")
    if corpus is None:
        return
    try:
        names = data.entity_names(corpus.path, corpus.facts.watchlist_hash)
        sources = data.source_names(corpus.path, corpus.facts.data_version)
    except WarehouseError as error:
        layout.read_failed(error)
        return
    requested = articles_view_from_params(
        st.query_params.to_dict(),
        entity_ids=list(names),
        sources=sources,
        first_day=corpus.first_day,
        last_day=corpus.last_day,
    )
    _restore_controls(requested, names, sources)
    filters = _controls(names, sources, first_day=corpus.first_day, last_day=corpus.last_day)
    _results(corpus.path, filters, names)


render()
