"""The dashboard in a real browser at scale: from navigation to the first chart drawn, and from a control
change to the redrawn chart, per page.

Usage: `python bench/dashboard.py [WAREHOUSE]`, WAREHOUSE defaulting to `NEWSTALLY_BENCH_DASHBOARD_DB`, else
`NEWSTALLY_BENCH_TALLY_DB` (the 1,000,000-article corpus bench/tally.py stores). Without one it measures nothing:
building a large corpus is another benchmark's job. It serves the warehouse with the real `streamlit run`,
drives Debian's Chromium with Playwright, and times in the page: from `goto` until the page's first chart
has drawn its marks, and from a click on a control until the chart shows the new view.

Each figure is the median of RUNS. "Cold" loads ask for a view no earlier load asked for (the date range
moves a day each run), so the dashboard's caches cannot answer and the warehouse is queried; "warm" loads
repeat one view, which Streamlit's caches serve.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import REPO_ROOT, median, served_dashboard, write_section

SECTION = "Dashboard in the browser: first chart and redraw"
RUNS = 5
CHROMIUM = Path("/usr/bin/chromium")
TIMEOUT_MS = 120_000
TARGET_FIRST_CHART_S = 1.5
TARGET_REDRAW_S = 0.5
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
    configured = (
        sys.argv[1]
        if len(sys.argv) > 1
        else os.environ.get("NEWSTALLY_BENCH_DASHBOARD_DB") or os.environ.get("NEWSTALLY_BENCH_TALLY_DB")
    )
    if not configured or not Path(configured).exists():
        print("bench/dashboard.py: no warehouse (argument, NEWSTALLY_BENCH_DASHBOARD_DB or ..._TALLY_DB); skipped")
        return
    if not CHROMIUM.exists():
        print(f"bench/dashboard.py: {CHROMIUM} missing (`make chromium`); skipped")
        return
    import warehouse

    body = measure(Path(configured))
    articles = warehouse.corpus_facts(warehouse.Warehouse(configured)).articles
    # The 1M section keeps its name; another corpus (the 10M of bench/scale.py) gets its own.
    write_section(SECTION if articles == 1_000_000 else f"{SECTION} at {articles:,} articles", body)
    print(body)


if __name__ == "__main__":
    main()
