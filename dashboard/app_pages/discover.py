"""Discover: the words and two-word phrases the news uses more than before, over the last day and the last week.

What `newstally rising` finds (warehouse.rising_terms): title words whose share of articles rose most against the
28 days before, stop words of each outlet's language left out. A term is a link: it opens Trends with the term as
a query, day by day over the window and the days it was measured against. This is how an editor sees what to
watch before anyone added it to the watchlist.
"""

from __future__ import annotations

import streamlit as st

from dashboard import data, layout, tables
from dashboard.url_state import discover_trends_view
from warehouse import RisingReport, WarehouseError

_TRENDS_PAGE = "app_pages/trends.py"
_WINDOWS = ((1, "Last day"), (7, "Last week"))
_COLUMN_WIDTHS = [2.2, 1.7, 1.7, 1.0]


def _window(place: st.delta_generator.DeltaGenerator, report: RisingReport, heading: str) -> None:
    """One window's rising terms as a table whose terms open Trends."""
    (first, last), (since, until) = report.window, report.baseline
    span = f"{first:%d %b %Y}" if first == last else f"{first:%d %b} – {last:%d %b %Y}"
    place.subheader(f"{heading}: {span}")
    place.caption(
        f"{report.window_articles:,} articles then, against {report.baseline_articles:,} from "
        f"{since:%d %b} to {until:%d %b %Y} (UTC days). A term must be in at least 3 of the window's articles "
        "and rise at least 1.5-fold."
    )
    shown = tables.rising_as_shown(report.rows)
    if shown.empty:
        place.info("Nothing rose clearly in this window.", icon=":material/trending_flat:")
        return
    header = place.columns(_COLUMN_WIDTHS)
    for column, title in zip(
        header, ("Term (opens Trends)", "Articles then", "Articles before", "× as often"), strict=True
    ):
        column.markdown(f"**{title}**")
    for row in shown.itertuples(index=False):
        term, then, before, share, earlier, ratio = row
        cells = place.columns(_COLUMN_WIDTHS, vertical_alignment="center")
        view = discover_trends_view(str(term), start=since, end=last)
        cells[0].page_link(
            _TRENDS_PAGE,
            label=tables.markdown_escaped(str(term)),
            icon=":material/trending_up:",
            query_params=view.to_params(),
            help=f"{tables.markdown_escaped(str(term))} on Trends, day by day from {since:%d %b} to {last:%d %b %Y}",
        )
        cells[1].markdown(f"{then:,} ({share:.2f} %)")
        cells[2].markdown(f"{before:,} ({earlier:.2f} %)")
        cells[3].markdown(f"×{ratio:.1f}")


def render() -> None:
    corpus = layout.open_corpus("Discover")
    if corpus is None:
        return
    st.caption(
        "Title words and two-word phrases whose share of articles rose most against the 28 days before, "
        "as `newstally rising` lists them. Click a term to draw it on Trends."
    )
    places = st.columns(len(_WINDOWS), gap="large")
    for place, (days, heading) in zip(places, _WINDOWS, strict=True):
        try:
            report = data.rising_terms(corpus.path, corpus.facts.data_version, window_days=days)
        except WarehouseError as error:
            layout.read_failed(error)
            return
        _window(place, report, heading)


render()
