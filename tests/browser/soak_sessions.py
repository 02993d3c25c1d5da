"""Dashboard sessions in one headless Chromium, each reloading Trends and Sources until told to stop.

For the soak test and bench/soak.py. Each session is its own browser context (its own
Streamlit session, as three people at three desks), and every load asks for a view no
earlier load asked for (another entity beside Putin, then another first day), so the
dashboard's caches cannot answer and the warehouse is read. A load is timed the way
bench/dashboard.py times one: from navigation until the page's first chart has drawn
its marks. It then waits for the page's script to finish and fails if the page shows
an exception, an error or a warning box.
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from datetime import date, timedelta

from tests.browser.dashboard_server import CHROMIUM, CHROMIUM_ARGS
from tests.integration.soak_load import FIRST_DAY, Recorder

SESSIONS = 3
LOAD_TIMEOUT_MS = 300_000  # a failed load is reported as failed, not waited for forever
# The first chart has drawn when its marks are in the page: SVG paths, or a canvas for large charts.
CHART_DRAWN = ".vega-embed svg .mark-line path, .vega-embed svg .mark-rect path, .vega-embed canvas"
# What a page shows when a read failed (layout.read_failed is an error box) or the script raised.
PAGE_PROBLEM = '[data-testid="stException"], [data-testid="stAlertContentError"], [data-testid="stAlertContentWarning"]'
RUNNING = '[data-testid="stStatusWidget"]'
# Every title names Putin; the entity beside him changes from load to load.
OTHER_ENTITIES = ("nato", "trump", "zelensky", "sanctions", "macron", "xi", "ukraine_war", "biden")
PAGES = ("trends", "sources")
# Shared by every session of the process, so no load, in any phase of a soak, repeats an earlier view.
_VIEW_NUMBERS = itertools.count()


def view_path(page: str, number: int) -> str:
    """The `number`-th view: its entities and first day differ from every earlier one's."""
    other = OTHER_ENTITIES[number % len(OTHER_ENTITIES)]
    start = FIRST_DAY.date() + timedelta(days=number // len(OTHER_ENTITIES))
    end = date(2099, 12, 31)  # clipped to the corpus's last day, which moves while ingest runs
    if page == "trends":
        return f"/?entities=putin,{other}&from={start}&to={end}&bucket=day&metric=articles"
    return f"/sources?entities=putin,{other}&from={start}&to={end}"


def browse(
    url: str,
    recorder: Recorder,
    name: str,
    until: threading.Event,
    sessions: int = SESSIONS,
    loads_per_session: int | None = None,
) -> None:
    """Run `sessions` sessions against the dashboard at `url` until `until` is set or each has made
    `loads_per_session` loads (blocks; run it in a thread).

    Successful loads are recorded under `name` (seconds to the first chart drawn), failed ones as failures.
    """
    asyncio.run(_browse(url, recorder, name, until, sessions, loads_per_session))


async def _browse(
    url: str, recorder: Recorder, name: str, until: threading.Event, sessions: int, loads_per_session: int | None
) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            await asyncio.gather(
                *(
                    _session(chromium, url, session, recorder, name, until, loads_per_session)
                    for session in range(sessions)
                )
            )
        finally:
            await chromium.close()


async def _session(
    chromium, url, session: int, recorder: Recorder, name: str, until, loads_per_session: int | None
) -> None:
    from playwright.async_api import Error as PlaywrightError

    context = await chromium.new_context(viewport={"width": 1400, "height": 1000})
    page = await context.new_page()
    try:
        for load in itertools.count():
            if until.is_set() or load == loads_per_session:
                return
            path = view_path(PAGES[(load + session) % len(PAGES)], next(_VIEW_NUMBERS))
            started = time.perf_counter()
            try:
                await page.goto(f"{url}{path}", timeout=LOAD_TIMEOUT_MS)
                await page.locator(f"{CHART_DRAWN}, {PAGE_PROBLEM}").first.wait_for(
                    state="attached", timeout=LOAD_TIMEOUT_MS
                )
                elapsed = time.perf_counter() - started
                await page.locator(RUNNING).wait_for(state="hidden", timeout=LOAD_TIMEOUT_MS)
                problems = await page.locator(PAGE_PROBLEM).all_inner_texts()
            except PlaywrightError as error:
                recorder.failed(name, f"session {session} {path}: {str(error).splitlines()[0]}")
                continue
            if problems:
                recorder.failed(name, f"session {session} {path}: {' | '.join(problems)[:300]}")
            else:
                recorder.succeeded(name, elapsed)
    finally:
        await context.close()


def first_load(url: str) -> float:
    """Seconds to draw the Trends chart once, in a throwaway session: the server's first run imports
    everything, which is not a reader's wait, so a soak does this before it measures anything."""
    return asyncio.run(_first_load(url))


async def _first_load(url: str) -> float:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = await chromium.new_page()
            started = time.perf_counter()
            await page.goto(f"{url}/?entities=putin&bucket=week", timeout=LOAD_TIMEOUT_MS)
            await page.locator(CHART_DRAWN).first.wait_for(state="attached", timeout=LOAD_TIMEOUT_MS)
            return time.perf_counter() - started
        finally:
            await chromium.close()
