"""Three schedulers, one warehouse: a dashboard and readers beside them, one scheduler killed, nothing lost or doubled.

Issue 14's end-to-end test, on a DuckDB file and on a DuckLake (catalog in a PostgreSQL
cluster the session starts, data in a temporary folder), with the same body:

- 200 feeds, each its own outlet, on four local servers, gain an item a second; the
  servers log every request with its start, end and client process
  (tests/integration/logged_feeds.py). They are registered once per module by
  `newstally feeds import` of an OPML into a file (two writes per feed: 1-2 minutes on a
  loaded machine, and 2.5 minutes into a lake); each variant starts from a copy (`backup`,
  or `lake import` into a new lake), and so does the reference file;
- three `newstally schedule --interval 1` processes, each in its own working folder,
  sharing only NEWSTALLY_DB and NEWSTALLY_LAKE_DATA (on a lake they also run `lake
  maintain` every 36 s); a `series`/`export` loop and `newstally dashboard`, opened in
  Debian's Chromium, read at the same time;
- the scheduler busy with the first pass is killed (SIGKILL) in the middle of it and
  started again; the others take back the feeds it had claimed;
- the publishers freeze, every feed is fetched once more, the schedulers stop on SIGTERM.

Then: every published item is stored exactly once, no feed was ever fetched by two
requests at once (nor twice within its interval, but for the killed worker's feeds),
`check --full` is clean, and the daily series equal, row for row, those of a new local
file that fetched the frozen feeds once.

Feeds on this machine are due again a minute after each fetch (ingest.pacing.LOCAL_INTERVAL),
so the run is about two rounds over the feeds: the first while they publish, the
second after the freeze. Every wait is generous and bounded; nothing asserts a duration.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TypeVar, cast

import pytest

from tests.browser.dashboard_server import free_port, launched_chromium, requires_chromium
from tests.browser.soak_sessions import CHART_DRAWN, LOAD_TIMEOUT_MS, PAGE_PROBLEM, RUNNING
from tests.integration.logged_feeds import (
    FIRST_DAY,
    FeedServers,
    Publisher,
    fetched_again_too_soon,
    overlapping_fetches,
    running_feed_servers,
    write_opml,
)
from tests.integration.soak_load import Recorder

T = TypeVar("T")

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]

FEEDS = 200
SCHEDULERS = 3
# Each response waits this long, so the first pass over 200 feeds lasts seconds and the kill lands inside it.
RESPONSE_DELAY_S = 0.02
# The busy scheduler is killed once it has fetched this many feeds of its pass.
KILL_AFTER_FETCHES = 20
# The feeds publish at least this long before they freeze.
PUBLISH_AT_LEAST_S = 20
# Any wait for the system to get somewhere: long, for a loaded 2-core machine; never asserted on.
WAIT_S = 300
# Feeds on this machine are due a minute after each fetch (ingest.pacing.LOCAL_INTERVAL); a feed fetched
# again sooner than half that was taken by two workers (a load can only make the gaps longer).
REFETCH_GAP_S = 30
# How long a failing test waits for its reading threads before it stops the processes they read from.
JOIN_S = 60
ENTITIES = "putin,trump"
# On a lake each scheduler compacts the lake's files every 36 s, so maintenance runs beside ingest and reads.
MAINTAIN_EVERY_HOURS = 0.01
PROBE = """
import json, sys
import warehouse
with warehouse.Warehouse(sys.argv[1]).reading() as connection:
    rows = connection.execute(
        "SELECT s.name, a.guid, count(*) FROM articles a JOIN sources s USING (source_id) GROUP BY ALL"
    ).fetchall()
print(json.dumps(rows))
"""


@dataclass(frozen=True)
class Target:
    db: str
    lake_data: str | None

    def env(self) -> dict[str, str]:
        """The environment of every process on this warehouse: all they share is the target (and data path)."""
        environment = {key: value for key, value in os.environ.items() if not _names_a_warehouse(key)}
        environment["NEWSTALLY_DB"] = self.db
        if self.lake_data is not None:
            environment["NEWSTALLY_LAKE_DATA"] = self.lake_data
        return environment


def _names_a_warehouse(variable: str) -> bool:
    return variable in ("NEWSTALLY_DB", "NEWSTALLY_LAKE_DATA", "NEWSTALLY_WATCHLIST", "NEWSTALLY_EVENTS")


def newstally(target: Target, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cwd.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [sys.executable, "-m", "newstally", *args],
        cwd=cwd,
        env=target.env(),
        capture_output=True,
        text=True,
        timeout=WAIT_S,
        check=False,
    )


@pytest.fixture(scope="module")
def publisher() -> Publisher:
    return Publisher(FEEDS)


@pytest.fixture(scope="module")
def feed_servers(publisher: Publisher) -> Iterator[FeedServers]:
    """The feed servers, shared by both variants (each starts the publisher afresh and clears the log)."""
    with running_feed_servers(publisher, delay_s=RESPONSE_DELAY_S) as servers:
        yield servers


@pytest.fixture(scope="module")
def registry(feed_servers: FeedServers, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse file holding only the 200 feeds, registered once by `newstally feeds import` of an OPML.

    `feeds import` writes once per feed, which takes a minute or more on a loaded machine, so
    both variants start from copies of this file rather than importing twice each.
    """
    folder = tmp_path_factory.mktemp("registry")
    opml = folder / "feeds.opml"
    write_opml(opml, feed_servers.urls)
    path = folder / "newstally.duckdb"
    imported = newstally(Target(str(path), None), folder, "feeds", "import", str(opml))
    assert imported.returncode == 0, imported.stderr
    assert f"imported {FEEDS} feeds" in imported.stderr
    return path


def copy_of(registry: Path, path: Path) -> Target:
    """A new warehouse file with the registry's feeds (`newstally backup`, the user's way to copy one)."""
    copied = newstally(Target(str(registry), None), path.parent, "backup", "--out", str(path))
    assert copied.returncode == 0, copied.stderr
    return Target(str(path), None)


@pytest.fixture(params=["file", "lake"])
def target(request: pytest.FixtureRequest, registry: Path, tmp_path: Path) -> Target:
    """A warehouse holding the 200 feeds and nothing else: a DuckDB file, or a lake made by `lake init`
    and `lake import` of the registry file."""
    if request.param == "file":
        return copy_of(registry, tmp_path / "shared" / "newstally.duckdb")
    conninfo = request.getfixturevalue("lake_catalog")
    lake = Target(f"ducklake:postgres:{conninfo}", str(tmp_path / "lake-data"))
    created = newstally(lake, tmp_path / "init", "lake", "init")
    assert created.returncode == 0, created.stderr
    imported = newstally(lake, tmp_path / "init", "lake", "import", str(registry))
    assert imported.returncode == 0, imported.stderr
    return lake


@dataclass
class Started:
    """The processes a test started; `stop_all` ends every one still running, with its process group."""

    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, command: list[str], *, cwd: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
        cwd.mkdir(parents=True, exist_ok=True)
        with log.open("ab") as output:
            process = subprocess.Popen(
                command, cwd=cwd, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.processes:
            _signal_group(process, signal.SIGTERM)
        for process in self.processes:
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=30)
            _signal_group(process, signal.SIGKILL)  # whatever it left behind in its group, and itself if stuck
            process.wait()


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


@contextmanager
def started_processes() -> Iterator[Started]:
    started = Started()
    try:
        yield started
    finally:
        started.stop_all()


def schedule(started: Started, target: Target, folder: Path, log_name: str) -> subprocess.Popen[bytes]:
    """`newstally schedule` in `folder`: a pass every second; on a lake, `lake maintain` too, during the run."""
    maintain = ["--maintain-every", str(MAINTAIN_EVERY_HOURS)] if target.lake_data is not None else []
    return started.start(
        [sys.executable, "-m", "newstally", "schedule", "--interval", "1", *maintain],
        cwd=folder,
        env=target.env(),
        log=folder / log_name,
    )


@dataclass
class ReadLoop:
    """`series` and `export` in turns, as a script beside the dashboard would run them, until stopped."""

    target: Target
    folder: Path
    failures: list[str] = field(default_factory=list)
    runs: Counter[str] = field(default_factory=Counter)
    totals: list[int] = field(default_factory=list)  # articles each series saw, in order

    def run(self, until: threading.Event) -> None:
        number = 0
        while not until.is_set():
            if number % 2 == 0:
                result = newstally(self.target, self.folder, "series", "--entity", ENTITIES, "--bucket", "day")
            else:
                out = self.folder / f"export-{number}.csv"
                result = newstally(self.target, self.folder, "export", "--out", str(out), "--entity", ENTITIES)
            name = "series" if number % 2 == 0 else "export"
            if result.returncode != 0:
                self.failures.append(f"{name}: {result.stderr.strip()[-500:]}")
            else:
                self.runs[name] += 1
                if name == "series":
                    self.totals.append(total_articles(result.stdout))
            number += 1


def total_articles(series_csv: str) -> int:
    """All articles a daily series saw: the total of one entity's rows."""
    rows = [row for row in csv.DictReader(io.StringIO(series_csv)) if row["entity_id"] == "putin"]
    return sum(int(row["total_articles"]) for row in rows)


class Phases:
    """Prints each phase's start, seconds since the test began (shown with -s, and on failure)."""

    def __init__(self) -> None:
        self.began = time.monotonic()

    def __call__(self, name: str) -> None:
        print(f"{time.monotonic() - self.began:6.1f} s  {name}", flush=True)


def wait_for(what: str, condition: Callable[[], T], *, timeout_s: float = WAIT_S, every_s: float = 0.02) -> T:
    """Poll `condition` until it returns something true; fail naming `what` after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(every_s)


def dashboard_answers(url: str, process: subprocess.Popen[bytes], log: Path) -> bool:
    if process.poll() is not None:
        pytest.fail(f"the dashboard exited with {process.returncode}:\n{log.read_text(errors='replace')[-2000:]}")
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


# The Trends and Sources pages over every day the feeds publish (the dashboard clips `to` to the data).
VIEWS = (
    f"/?entities={ENTITIES}&from={FIRST_DAY.date()}&to=2099-12-31&bucket=day&metric=articles",
    f"/sources?entities={ENTITIES}&from={FIRST_DAY.date()}&to=2099-12-31",
)


def open_dashboard(url: str, pages: Recorder) -> None:
    """Open each view in a real Chromium and wait for its first chart; a page showing a problem is a failure."""
    from playwright.sync_api import Browser
    from playwright.sync_api import Error as PlaywrightError

    with launched_chromium() as chromium:
        page = cast(Browser, chromium).new_page(viewport={"width": 1400, "height": 1000})
        for view in VIEWS:
            started = time.monotonic()
            try:
                page.goto(f"{url}{view}", timeout=LOAD_TIMEOUT_MS)
                page.locator(f"{CHART_DRAWN}, {PAGE_PROBLEM}").first.wait_for(state="attached", timeout=LOAD_TIMEOUT_MS)
                page.locator(RUNNING).wait_for(state="hidden", timeout=LOAD_TIMEOUT_MS)
                problems = page.locator(PAGE_PROBLEM).all_inner_texts()
            except PlaywrightError as error:
                pages.failed("page load", f"{view}: {str(error).splitlines()[0]}")
                continue
            if problems:
                pages.failed("page load", f"{view}: {' | '.join(problems)[:300]}")
            else:
                pages.succeeded("page load", time.monotonic() - started)


def busy_scheduler(servers: FeedServers, pids: set[int]) -> tuple[int, int] | None:
    """(pid, feeds fetched) of a scheduler at least KILL_AFTER_FETCHES into a pass no one has finished yet."""
    log = [request for request in servers.log() if request.status == 200]
    if len({request.feed for request in log}) >= FEEDS:
        pytest.fail("the first pass ended before a scheduler could be killed in the middle of it")
    fetched = Counter(request.pid for request in log if request.pid in pids)
    for pid, count in fetched.items():
        if count >= KILL_AFTER_FETCHES:
            return pid, count
    return None


def fetched_after(servers: FeedServers, moment: float) -> set[int]:
    """The feeds fetched in full by a request that started after `moment`."""
    return {
        request.feed
        for request in servers.log()
        if request.started > moment and request.status == 200 and request.ended is not None
    }


def stored_items(target: Target, folder: Path) -> Counter[tuple[str, str]]:
    """How many times each (outlet, guid) is stored, read through the project's Warehouse in its own process."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE, target.db],
        cwd=folder,
        env=target.env(),
        capture_output=True,
        text=True,
        timeout=WAIT_S,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return Counter({(name, guid): count for name, guid, count in json.loads(result.stdout)})


def daily_articles(series_csv: str, entity: str) -> dict[date, int]:
    return {
        date.fromisoformat(row["bucket_start"]): int(row["articles"])
        for row in csv.DictReader(io.StringIO(series_csv))
        if row["entity_id"] == entity and int(row["articles"])
    }


@requires_chromium
def test_three_schedulers_a_dashboard_and_a_killed_worker_store_every_item_once(
    target: Target, registry: Path, publisher: Publisher, feed_servers: FeedServers, tmp_path: Path
):
    phase = Phases()
    servers = feed_servers
    servers.clear()
    # The reference: a new local file with the same feeds, which fetches them once after the freeze.
    reference = copy_of(registry, tmp_path / "reference" / "newstally.duckdb")
    reads = ReadLoop(target, tmp_path / "reader")
    pages = Recorder()
    stop_reading = threading.Event()
    workers = [tmp_path / f"worker-{number}" for number in range(SCHEDULERS)]

    with ExitStack() as stack:
        phase("starting the dashboard and the schedulers")
        started = stack.enter_context(started_processes())
        port = free_port()
        dashboard_url = f"http://127.0.0.1:{port}"
        dashboard_log = tmp_path / "dashboard.log"
        dashboard = started.start(
            [sys.executable, "-m", "newstally", "dashboard", "--port", str(port)],
            cwd=tmp_path / "dashboard",
            env=target.env(),
            log=dashboard_log,
        )

        publisher.start()
        schedulers = [schedule(started, target, folder, "schedule.log") for folder in workers]
        reader = threading.Thread(target=reads.run, args=(stop_reading,), name="read-loop", daemon=True)
        reader.start()
        stack.callback(reader.join, JOIN_S)
        stack.callback(stop_reading.set)  # runs first: the loop ends after its current command

        # The first pass: one scheduler claims the due feeds; kill it in the middle of fetching them.
        phase("waiting for a busy scheduler")
        busy = wait_for(
            "a scheduler to be in the middle of a pass",
            lambda: busy_scheduler(servers, {process.pid for process in schedulers}),
        )
        assert busy is not None
        victim_pid, fetched_by_victim = busy
        victim = next(process for process in schedulers if process.pid == victim_pid)
        os.kill(victim_pid, signal.SIGKILL)
        victim.wait(timeout=WAIT_S)
        assert victim.returncode == -signal.SIGKILL
        phase("killed; restarting")
        slot = schedulers.index(victim)
        restarted = schedule(started, target, workers[slot], "schedule-restarted.log")
        running = [process for process in schedulers if process is not victim] + [restarted]

        # The dashboard, opened once the warehouse holds articles, draws its first chart while ingest runs.
        wait_for("the dashboard to answer", lambda: dashboard_answers(dashboard_url, dashboard, dashboard_log))
        wait_for("a reader to see articles", lambda: reads.failures or (reads.totals and reads.totals[-1] > 0))
        browser = threading.Thread(
            target=open_dashboard,
            args=(dashboard_url, pages),
            name="browser",
            daemon=True,
        )
        browser.start()
        stack.callback(browser.join, JOIN_S)

        # The feeds the victim had claimed are taken back: every feed is fetched at least once.
        phase("browser started; waiting for the first round")
        wait_for("every feed to be fetched once", lambda: len(fetched_after(servers, 0.0)) == FEEDS, every_s=0.5)
        assert publisher.started is not None
        time.sleep(max(0.0, publisher.started + PUBLISH_AT_LEAST_S - time.monotonic()))
        phase("freezing")
        frozen_at = publisher.freeze()
        # Caught up: every feed fetched once more after the freeze (when its minute is up).
        wait_for(
            "every feed to be fetched after the freeze",
            lambda: len(fetched_after(servers, frozen_at)) == FEEDS,
            every_s=0.5,
        )

        phase("caught up; stopping")
        stop_reading.set()
        browser.join(WAIT_S)
        reader.join(WAIT_S)
        for process in running:
            process.send_signal(signal.SIGTERM)
        for process in running:
            process.wait(timeout=WAIT_S)
        scheduler_logs = [
            (workers[number] / "schedule.log").read_text(errors="replace") for number in range(SCHEDULERS)
        ] + [(workers[slot] / "schedule-restarted.log").read_text(errors="replace")]
        server_requests = servers.log()

        # The reference: a new local file that fetches the frozen feeds once.
        phase("schedulers stopped; reference fetch")
        fetched_once = newstally(reference, tmp_path / "reference", "fetch")
        assert fetched_once.returncode == 0, fetched_once.stderr
        assert f"fetched {FEEDS} feeds" in fetched_once.stderr, fetched_once.stderr

    # Every process stopped as asked, and none failed.
    for process, text in zip(
        running, [log for number, log in enumerate(scheduler_logs) if number != slot], strict=True
    ):
        assert process.returncode == 0, text[-3000:]
    for number, text in enumerate(scheduler_logs):
        if number != slot:  # the killed one's log simply ends
            assert "Traceback" not in text, text[-3000:]
    print(
        f"victim pid {victim_pid} killed after {fetched_by_victim} feeds; requests by pid:",
        dict(Counter(request.pid for request in server_requests)),
    )
    assert fetched_by_victim >= KILL_AFTER_FETCHES
    # Every request came from one of the schedulers, so the servers' log tells the workers apart.
    scheduler_pids = {process.pid for process in [*schedulers, restarted]}
    assert {request.pid for request in server_requests} <= scheduler_pids
    if target.lake_data is not None:
        assert any("lake maintained" in text for text in scheduler_logs), "no scheduler maintained the lake"
        assert not any("lake maintenance failed" in text for text in scheduler_logs)

    # No feed was ever fetched by two requests at once (the servers' log, schedulers only).
    assert overlapping_fetches(server_requests) == []
    # Nor one after the other within a round: only the killed worker's feeds are fetched again at once.
    assert fetched_again_too_soon(server_requests, REFETCH_GAP_S, excused=victim_pid) == []

    # Every published item stored exactly once.
    phase("checking")
    stored = stored_items(target, tmp_path / "reader")
    doubled = {item: count for item, count in stored.items() if count != 1}
    assert doubled == {}
    published = publisher.published()
    assert len(published) >= FEEDS * PUBLISH_AT_LEAST_S
    assert set(stored) - published == set(), "items stored that were never published"
    assert published - set(stored) == set(), "published items lost"

    # The warehouse is whole.
    phase("check --full")
    checked = newstally(target, tmp_path / "reader", "check", "--full")
    assert checked.returncode == 0, checked.stdout + checked.stderr

    # The daily series equal, row for row, those of the local file that fetched the same items.
    phase("series")
    for extra in ((), ("--by-source",)):
        on_target = newstally(target, tmp_path / "reader", "series", "--entity", ENTITIES, "--bucket", "day", *extra)
        on_file = newstally(
            reference, tmp_path / "reference", "series", "--entity", ENTITIES, "--bucket", "day", *extra
        )
        assert on_target.returncode == on_file.returncode == 0, on_target.stderr + on_file.stderr
        assert on_target.stdout.splitlines() == on_file.stdout.splitlines()
    plain = newstally(reference, tmp_path / "reference", "series", "--entity", ENTITIES, "--bucket", "day")
    for entity in ("putin", "trump"):
        assert daily_articles(plain.stdout, entity) == publisher.articles_per_day(entity)

    # The readers read all along, and never saw the warehouse shrink.
    assert reads.failures == []
    assert reads.runs["series"] >= 1 and reads.runs["export"] >= 1
    assert reads.totals == sorted(reads.totals)
    assert pages.failures == []
    assert pages.counts["page load"] == len(VIEWS)
    assert "Traceback" not in dashboard_log.read_text(errors="replace")
