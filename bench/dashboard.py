"""The dashboard in a real browser at scale: from navigation to the first chart drawn, and from a control
change to the redrawn chart, per page.

Usage: `python bench/dashboard.py [WAREHOUSE] [--only trends-query]`, WAREHOUSE defaulting to
`NEWSTALLY_BENCH_DASHBOARD_DB`, else `NEWSTALLY_BENCH_TALLY_DB` (the 1,000,000-article corpus bench/tally.py
stores). Without one it measures nothing: building a large corpus is another benchmark's job. It serves the
warehouse with the real `streamlit run`, drives Debian's Chromium with Playwright, and times in the page: from
`goto` until the page's first chart has drawn its marks, and from a click on a control until the chart shows
the new view.

Each figure is the median of RUNS. "Cold" loads ask for a view no earlier load asked for (the date range
moves a day each run), so the dashboard's caches cannot answer and the warehouse is queried; "warm" loads
repeat one view, which Streamlit's caches serve.

`--only trends-query` measures only the Trends page opened with one entity and one query in its URL (issue 15),
beside the same entity alone, in one served dashboard, and writes it as a part of the section; a full run
measures it after the pages above.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO_ROOT, median, served_dashboard, write_section, write_subsection

SECTION = "Dashboard in the browser: first chart and redraw"
RUNS = 5
CHROMIUM = Path("/usr/bin/chromium")
TIMEOUT_MS = 120_000
TARGET_FIRST_CHART_S = 1.5
TARGET_REDRAW_S = 0.5
# Issue 15: the first chart with one entity and one query, at 1M articles.
QUERY_SUBSECTION = "Trends with a query: one entity and one query in the URL"
TARGET_QUERY_FIRST_CHART_S = 2.0
QUERY_ENTITY = "putin"
QUERY = '(sanction* OR "troll farm*" OR ransomware) AND (Trump OR Putin) -Crimea'  # as bench/queries.py
# Queries no load asked for before, one per run: a user typing a new query (its line and its spikes are counted).
NEW_QUERIES = (
    "(tariff* OR embargo*) AND (Trump OR Xi) -Canada",
    '"central bank" OR title:"interest rates"',
    "summit* AND (Trump OR Putin OR Macron)",
    '(hack* OR "cyber attack*") NOT election',
    'refugee* OR migrant* OR "border wall"',
    "pipeline* AND (gas OR oil)",
    "(vaccine* OR pandemic) -Trump",
)
# More runs than the pages above: a cold load with a query takes seconds, and the load on a shared machine swings.
QUERY_RUNS = len(NEW_QUERIES)
# The first chart has drawn when its marks are in the page: SVG paths, or a canvas for large charts.
_CHART_DRAWN = ".vega-embed svg .mark-line path, .vega-embed svg .mark-rect path, .vega-embed canvas"


# The floor: a bare Streamlit page with one small chart and one control, timed like the dashboard's pages.
_BARE_PAGE = """
import streamlit as st

st.title("Bare page")
shown = st.segmented_control("Show", ["Squares", "Negatives"], default="Squares", key="shown")
values = [{"x": x, "y": x * x if shown == "Squares" else -x} for x in range(150)]
st.vega_lite_chart(
    {
        "title": f"Bare chart: {shown}",
        "data": {"values": values},
        "mark": "line",
        "encoding": {"x": {"field": "x", "type": "quantitative"}, "y": {"field": "y", "type": "quantitative"}},
    },
    width="stretch",
)
"""


def _first_chart_s(page, url: str, wait_for: str = _CHART_DRAWN) -> float:
    started = time.perf_counter()
    page.goto(url)
    page.locator(wait_for).first.wait_for(state="attached", timeout=TIMEOUT_MS)
    return time.perf_counter() - started


def _lines_drawn_s(page, url: str, lines: int) -> float:
    """Seconds from `goto` until one chart's SVG holds `lines` drawn line paths (one per entity or query).

    A chart of more points than dashboard.charts draws as SVG is drawn on a canvas, whose lines cannot be
    counted: there the canvas appearing counts, the chart being one spec that holds every line.
    """
    started = time.perf_counter()
    page.goto(url)
    page.wait_for_function(
        """(lines) => [...document.querySelectorAll('.vega-embed svg')].some(
            svg => [...svg.querySelectorAll('.mark-line path')].filter(p => (p.getAttribute('d') || '').length > 1)
                .length >= lines) || document.querySelector('.vega-embed canvas') !== null""",
        arg=lines,
        timeout=TIMEOUT_MS,
    )
    return time.perf_counter() - started


def _control(page, label: str):
    """A segmented control's option (not the sidebar's page link of the same name)."""
    return page.locator('[data-testid="stButtonGroup"]').get_by_text(label, exact=True).first


def _redraw_s(page, click: Callable[[], None], title_text: str) -> float:
    """Seconds from `click` until a chart's SVG holds `title_text` (the new view's title)."""
    started = time.perf_counter()
    click()
    page.wait_for_function(
        "(text) => [...document.querySelectorAll('.vega-embed svg')].some(svg => svg.textContent.includes(text))",
        arg=title_text,
        timeout=TIMEOUT_MS,
    )
    return time.perf_counter() - started


def _view_timings(
    page, view: Callable[[date], str], last_day: date, toggles: tuple[tuple[str, str], tuple[str, str]] | None = None
) -> dict[str, float]:
    """Cold first charts, warm ones, and with `toggles` redraws: each run clicks (control, title it shows) in turn.

    A cold view ends a day earlier each run: a start before the corpus's first day is clipped to it,
    so moving only the start would ask for the same view again.
    """
    cold = [_first_chart_s(page, view(last_day - timedelta(days=run + 1))) for run in range(RUNS)]
    warm = [_first_chart_s(page, view(last_day)) for _ in range(RUNS)]
    timings = {"cold_first": cold[0], "cold": median(cold), "warm": median(warm)}
    if toggles is None:
        return timings
    redraws = []
    for run in range(RUNS):
        target, title = toggles[run % 2]
        redraws.append(_redraw_s(page, lambda t=target: _control(page, t).click(), title))
    return {**timings, "redraw": median(redraws), "redraw_first": redraws[0]}


def _trends(page, url: str, last_day: date) -> dict[str, float]:
    def view(end: date) -> str:
        start = end - timedelta(days=365)
        return f"{url}/?entities=trump,putin,zelensky&from={start}&to={end}&bucket=week&metric=articles"

    toggles = (
        ("Share of all articles", "Share of all articles mentioning"),
        ("Articles", "Articles mentioning each entity"),
    )
    return _view_timings(page, view, last_day, toggles)


def _comentions(page, url: str, last_day: date) -> dict[str, float]:
    def view(end: date) -> str:
        return f"{url}/comentions?from={end - timedelta(days=27)}&to={end}&show=share"

    return _view_timings(
        page, view, last_day, (("Change vs before", "Change in how often"), ("Share", "Co-mentions: %"))
    )


def _sources(page, url: str, last_day: date) -> dict[str, float]:
    def view(end: date) -> str:
        return f"{url}/sources?entities=trump,putin&from={end - timedelta(days=29)}&to={end}"

    return _view_timings(page, view, last_day)


def _event_lens(page, url: str, event_ids: list[str]) -> dict[str, float]:
    windows = range(2, 2 + RUNS)
    cold = [_first_chart_s(page, f"{url}/event_lens?event={event_ids[0]}&window={window}") for window in windows]
    warm = [_first_chart_s(page, f"{url}/event_lens?event={event_ids[0]}&window=3") for _ in range(RUNS)]
    return {"cold_first": cold[0], "cold": median(cold), "warm": median(warm)}


# The floor with the dashboard's frame: the same page as one of several under `st.navigation` (app.py's way).
_NAVIGATION_APP = """
from pathlib import Path

import streamlit as st

here = Path(__file__).parent
st.set_page_config(page_title="Bare", layout="wide")
st.navigation(
    [st.Page(here / "bare_page.py", title="Bare", default=True), st.Page(here / "other_page.py", title="Other")]
).run()
"""


def _bare_page(playwright, db_path: Path, *, navigation: bool = False) -> dict[str, float]:
    """The same timings for a bare Streamlit page: what Streamlit and the browser take on this machine, now.

    With `navigation`, the page is one of two under `st.navigation`, as every dashboard page is.
    """
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "bare_page.py"
        script.write_text(_BARE_PAGE, encoding="utf-8")
        if navigation:
            (Path(folder) / "other_page.py").write_text("import streamlit as st\n\nst.title('Other')\n")
            script = Path(folder) / "app.py"
            script.write_text(_NAVIGATION_APP, encoding="utf-8")
        with served_dashboard(db_path, script) as (url, _):
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox"])
            page = chromium.new_page(viewport={"width": 1400, "height": 1000})
            _first_chart_s(page, url)
            first = [_first_chart_s(page, url) for _ in range(RUNS)]
            redraws = []
            for run in range(RUNS):
                target = "Negatives" if run % 2 == 0 else "Squares"
                redraws.append(_redraw_s(page, lambda t=target: _control(page, t).click(), f"Bare chart: {target}"))
            chromium.close()
    return {"cold": median(first), "warm": median(first), "redraw": median(redraws), "redraw_first": redraws[0]}


def _script_rerun_s(db_path: Path) -> float:
    """Seconds of the Trends page's script alone on a warm rerun (Streamlit's AppTest, no browser)."""
    from streamlit.testing.v1 import AppTest

    saved = os.environ.get("NEWSTALLY_DB")
    os.environ["NEWSTALLY_DB"] = str(db_path)
    try:
        app = AppTest.from_file(str(REPO_ROOT / "dashboard" / "app.py"), default_timeout=TIMEOUT_MS / 1000)
        app.query_params.update({"entities": "trump,putin,zelensky", "bucket": "week"})
        app.run()
        durations = []
        for _ in range(RUNS):
            started = time.perf_counter()
            app.run()
            durations.append(time.perf_counter() - started)
        return median(durations)
    finally:
        if saved is None:
            os.environ.pop("NEWSTALLY_DB", None)
        else:
            os.environ["NEWSTALLY_DB"] = saved


def _trends_query_timings(page, url: str, first_day: date, last_day: date) -> dict[str, dict[str, float]]:
    """The Trends page, daily over the whole history, with QUERY_ENTITY alone, with it and QUERY, and with it and a
    query never asked before (NEW_QUERIES): cold first charts (the range ends a day earlier each run), then warm.

    The three views take turns in each run, so a change of load hits them alike. The first cold load of the entity
    also judges its spikes over all the data; the first with QUERY (and every one with a new query) judges the
    query's spikes too, the one pass over every article's text the query's line is then drawn from.
    """

    def view(end: date, query: str | None) -> str:
        params = {"entities": QUERY_ENTITY, "from": first_day, "to": end, "bucket": "day", "metric": "articles"}
        return f"{url}/?{urllib.parse.urlencode(params | ({'q': query} if query else {}))}"

    alone, with_query, new_query = [], [], []
    for run in range(QUERY_RUNS):
        end = last_day - timedelta(days=run + 1)
        alone.append(_lines_drawn_s(page, view(end, None), 1))
        with_query.append(_lines_drawn_s(page, view(end, QUERY), 2))
        new_query.append(_lines_drawn_s(page, view(end, NEW_QUERIES[run]), 2))
        print(f"run {run}: {alone[-1]:.2f} {with_query[-1]:.2f} {new_query[-1]:.2f}", file=sys.stderr, flush=True)
    warm_alone, warm_query = [], []
    for _ in range(QUERY_RUNS):
        warm_alone.append(_lines_drawn_s(page, view(last_day - timedelta(days=1), None), 1))
        warm_query.append(_lines_drawn_s(page, view(last_day - timedelta(days=1), QUERY), 2))
    return {
        "alone": {"cold_first": alone[0], "cold": median(alone), "warm": median(warm_alone)},
        "query": {"cold_first": with_query[0], "cold": median(with_query), "warm": median(warm_query)},
        "new": {"cold_first": new_query[0], "cold": median(new_query)},
    }


def measure_trends_query(db_path: Path) -> str:
    """The subsection QUERY_SUBSECTION: its own served dashboard and browser, so it can run alone."""
    from playwright.sync_api import sync_playwright

    import warehouse

    facts = warehouse.corpus_facts(warehouse.Warehouse(db_path))
    last_day = facts.last_published_at.date() if facts.last_published_at else date.today()
    first_day = facts.first_published_at.date() if facts.first_published_at else last_day - timedelta(days=365)
    started_load = os.getloadavg()[0]
    with served_dashboard(db_path) as (url, _), sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox"])
        page = chromium.new_page(viewport={"width": 1400, "height": 1000})
        # The server's first run imports everything; a view no measurement asks for (as in `measure`).
        _first_chart_s(page, f"{url}/sources?entities=trump&from={first_day}&to={first_day + timedelta(days=29)}")
        timings = _trends_query_timings(page, url, first_day, last_day)
        chromium.close()
    with sync_playwright() as playwright:
        floor = _bare_page(playwright, db_path)
    load = os.getloadavg()[0]
    alone, query, new = timings["alone"], timings["query"], timings["new"]

    def row(name: str, r: dict[str, float], warm: bool = True) -> str:
        ratio = f"{r['cold'] / alone['cold']:.2f}x" if r is not alone else "1.00x"
        warm_s = f"{r['warm']:.2f}" if warm else "—"
        return f"| {name} | {r['cold_first']:.2f} | {r['cold']:.2f} | {warm_s} | {ratio} |"

    days = (last_day - first_day).days
    met = max(query["cold"], new["cold"]) < TARGET_QUERY_FIRST_CHART_S
    verdict = (
        f"met: {query['cold']:.2f} s with the query asked before, {new['cold']:.2f} s with a new one"
        if met
        else f"not met on this machine: {query['cold']:.2f} s (cold, the query asked before in the session) and"
        f" {new['cold']:.2f} s (a query never asked before), against {alone['cold']:.2f} s for the entity alone"
    )
    return (
        f"{facts.articles:,} articles from {facts.sources} outlets, served by `streamlit run`, measured in headless"
        " Chromium (Playwright), as above. The Trends page opened from a URL with one entity"
        f" (`entities={QUERY_ENTITY}`) and one query (`q=`), daily over the whole history ({first_day} to"
        f" {days} days later, less a day per run), timed from navigation until the chart's SVG holds both lines;"
        " beside it the same view with the entity alone (timed until its line is drawn), the views taking turns"
        f" in each run. Median of {QUERY_RUNS} runs, seconds. Query: `{QUERY}` (as in the Queries section). *Cold*: a"
        " range not asked before, so the warehouse is queried: the entity's line, and the query's line from the"
        " query's matches the process remembers (`warehouse/counting/remembered.py`), no text read; *first cold*"
        " also judges the lines' spikes over all the data (for a query, `spike_episodes_peaking_within`: one pass"
        " over every article's title and summary for its line over all the data, then its episodes' headlines"
        " from those matches), which later views reuse. The *new query* row"
        f" asks each run for a query no load asked for before ({QUERY_RUNS} queries, e.g."
        f" `{NEW_QUERIES[0]}`), as a user typing one does: that one pass every time. *vs entity*: cold against the"
        f" entity alone. Load average {started_load:.1f} at the start and {load:.1f} at the end (2 cores shared"
        " with other sessions), so an idle machine does better: read the ratios more than the seconds.\n\n"
        "| Trends, daily, whole history | first chart, first cold | first chart, cold | first chart, warm"
        " | cold vs entity |\n|---|---|---|---|---|\n"
        f"{row(f'1 entity ({QUERY_ENTITY})', alone)}\n"
        f"{row('1 entity and the query', query)}\n"
        f"{row('1 entity and a new query each run', new, warm=False)}\n"
        f"| Floor: a bare Streamlit page, one small chart (median of {RUNS}, right after) | — | {floor['cold']:.2f}"
        f" | {floor['warm']:.2f} | |\n\n"
        f"Target (issue 15) at 1,000,000 articles: the first chart with one entity and one query under"
        f" {TARGET_QUERY_FIRST_CHART_S:.0f} s: {verdict}.\n"
    )


def measure(db_path: Path) -> str:
    from playwright.sync_api import sync_playwright

    import warehouse

    wh = warehouse.Warehouse(db_path)
    facts = warehouse.corpus_facts(wh)
    last_day = facts.last_published_at.date() if facts.last_published_at else date.today()
    first_day = facts.first_published_at.date() if facts.first_published_at else last_day - timedelta(days=365)
    events = sorted(warehouse.list_events(wh), key=lambda event: event.start_date)
    event_ids = [event.event_id for event in events if event.start_date <= last_day][-1:] or ["helsinki_2018"]
    results: dict[str, dict[str, float]] = {}
    started_load = os.getloadavg()[0]
    with served_dashboard(db_path) as (url, _), sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox"])
        page = chromium.new_page(viewport={"width": 1400, "height": 1000})
        # The server's first run imports everything: not a reader's wait. It draws a view no measurement asks for,
        # so it warms none of the caches measured below (Trends' spikes are detected in its first cold run).
        _first_chart_s(page, f"{url}/sources?entities=trump&from={first_day}&to={first_day + timedelta(days=29)}")
        results["Trends (3 leaders, a year, weekly)"] = _trends(page, url, last_day)
        results["Co-mentions (28 days against 28 before)"] = _comentions(page, url, last_day)
        results["Sources (30 days, 2 leaders)"] = _sources(page, url, last_day)
        results[f"Event lens ({event_ids[0]})"] = _event_lens(page, url, event_ids)
        chromium.close()
    with sync_playwright() as playwright:
        results["Floor: a bare Streamlit page, one small chart"] = _bare_page(playwright, db_path)
        results["Floor, framed: the same page under `st.navigation`"] = _bare_page(playwright, db_path, navigation=True)
    script_s = _script_rerun_s(db_path)

    def seconds(value: float | None) -> str:
        return "—" if value is None else f"{value:.2f}"

    rows = "\n".join(
        f"| {name} | {seconds(r.get('cold_first'))} | {seconds(r['cold'])} | {seconds(r['warm'])} "
        f"| {seconds(r.get('redraw_first'))} | {seconds(r.get('redraw'))} |"
        for name, r in results.items()
    )
    load = os.getloadavg()[0]
    return (
        f"{facts.articles:,} articles from {facts.sources} outlets, served by `streamlit run`, measured in headless"
        f" Chromium (Playwright). Median of {RUNS} runs, seconds. *First chart*: from navigation until the page's"
        " first chart has drawn its marks; *cold* asks for a view not asked before (the warehouse is queried),"
        " *first cold* is the first of those (on Trends it also judges the lines' spikes over all the data,"
        " which later views of the same entities reuse; the Event lens judges its lines' spikes around the"
        " event only, once per event), *warm* repeats one (Streamlit's cache answers). *Redraw*: from a click"
        " on a control (Trends: Articles ↔ Share; Co-mentions: Share ↔ Change)"
        " until the chart shows the new view; *first* is the first such click, the rest are served from cache."
        f" Targets: first chart under {TARGET_FIRST_CHART_S} s, redraw under {TARGET_REDRAW_S} s. Load average"
        f" {started_load:.1f} at the start and {load:.1f} at the end (the machine was shared), so an idle machine"
        " does better. Of a Trends redraw, the page's Python script (data and the finished chart spec from cache)"
        f" takes {script_s:.2f} s (AppTest, median of {RUNS} warm reruns); the rest is the browser: Streamlit's"
        " messages and Vega drawing the SVG. The last rows are the floor: a bare Streamlit page with one small"
        " chart, timed the same way right after, so the pages can be read against it, and the same page as one"
        " of two under `st.navigation`, the frame every dashboard page has.\n\n"
        "| page | first chart, first cold | first chart, cold | first chart, warm | redraw, first | redraw, median |\n"
        f"|---|---|---|---|---|---|\n{rows}\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", nargs="?", help="default: NEWSTALLY_BENCH_DASHBOARD_DB, else ..._TALLY_DB")
    parser.add_argument("--only", choices=["trends-query"], help="measure only this case, written as its part")
    args = parser.parse_args()
    configured = (
        args.warehouse or os.environ.get("NEWSTALLY_BENCH_DASHBOARD_DB") or os.environ.get("NEWSTALLY_BENCH_TALLY_DB")
    )
    if not configured or not Path(configured).exists():
        print("bench/dashboard.py: no warehouse (argument, NEWSTALLY_BENCH_DASHBOARD_DB or ..._TALLY_DB); skipped")
        return
    if not CHROMIUM.exists():
        print(f"bench/dashboard.py: {CHROMIUM} missing (`make chromium`); skipped")
        return
    import warehouse

    articles = warehouse.corpus_facts(warehouse.Warehouse(configured)).articles
    # The 1M section keeps its name; another corpus (the 10M of bench/scale.py) gets its own.
    section = SECTION if articles == 1_000_000 else f"{SECTION} at {articles:,} articles"
    if args.only is None:
        body = measure(Path(configured))
        write_section(section, body)
        print(body)
    query_body = measure_trends_query(Path(configured))
    write_subsection(section, QUERY_SUBSECTION, query_body)
    print(query_body)


if __name__ == "__main__":
    main()
