"""kill -9 at random points, again and again: after every crash and every restart `newstally check` passes,
and in the end the warehouse holds exactly the items the server published, none lost, none twice.

A real feed server on 127.0.0.1 publishes more items every round across several feeds.
Each round starts a real writer (`fetch --force`, `schedule`, or `retally` with the
other watchlist), SIGKILLs it after a random delay, checks the warehouse as the crash
left it, restarts the work and lets it finish, and checks again.

CI runs 5 kills; NEWSTALLY_CRASH_KILLS=50 runs a longer campaign (NEWSTALLY_CRASH_SEED
replays one).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import warehouse
from tests.conftest import REPO_ROOT, SHIPPED_WATCHLIST
from tests.integration.feed_server import respond, running_feed_server
from tests.integration.soak_load import stored_urls
from warehouse.upkeep.integrity import check_integrity

KILLS = int(os.environ.get("NEWSTALLY_CRASH_KILLS", "5"))
SEED = int(os.environ.get("NEWSTALLY_CRASH_SEED", str(random.randrange(1_000_000))))
FEEDS = 8
FIRST_ITEMS = 150  # per feed before the first round
ITEMS_PER_ROUND = 40  # per feed, published before each round
FIRST_DAY = datetime(2024, 5, 1, 6, 0, tzinfo=UTC)


class Publisher:
    """What the server publishes: item numbers 0..visible-1 of every feed, newest first."""

    def __init__(self) -> None:
        self.visible = FIRST_ITEMS

    def document(self, feed: int) -> bytes:
        items = []
        for number in reversed(range(self.visible)):
            published = FIRST_DAY + timedelta(minutes=number)
            items.append(
                f"<item><guid>feed{feed}-item{number}</guid>"
                f"<title>Putin and Trump, story {number} of feed {feed}</title>"
                f"<description>NATO allies and sanctions, item {number}</description>"
                f"<link>https://outlet{feed}.example/{number}</link>"
                f"<pubDate>{format_datetime(published, usegmt=True)}</pubDate></item>"
            )
        return (
            f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Outlet {feed}</title>'
            f"{''.join(items)}</channel></rss>"
        ).encode()

    def published_urls(self) -> set[str]:
        return {f"https://outlet{feed}.example/{number}" for feed in range(FEEDS) for number in range(self.visible)}


def newstally(db: Path, watchlist: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "newstally", "--db", str(db), "--watchlist", str(watchlist), *args]


def environment() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key != "NEWSTALLY_DB"}


def finish(command: list[str]) -> None:
    result = subprocess.run(command, cwd=REPO_ROOT, env=environment(), capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr


def kill_when(command: list[str], ready: Callable[[float], bool], jitter_seconds: float) -> bool:
    """Run the command and SIGKILL it once `ready(seconds since start)` holds, plus the jitter.

    Returns whether it was still running to be killed.
    """
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, env=environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    started = time.monotonic()
    try:
        while process.poll() is None and not ready(time.monotonic() - started):
            time.sleep(0.01)
        time.sleep(jitter_seconds)
        if process.poll() is not None:
            return False
        process.send_signal(signal.SIGKILL)
        assert process.wait(timeout=30) == -signal.SIGKILL
        return True
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def assert_sound(wh: warehouse.Warehouse, watchlist: Path, context: str) -> None:
    problems = check_integrity(wh, watchlist_path=watchlist, recount_articles=None)
    assert problems == [], f"{context} (seed {SEED}): {problems}"


def test_repeated_sigkills_of_ingest_and_retally_lose_nothing_and_double_nothing(tmp_path: Path):
    rng = random.Random(SEED)
    db = tmp_path / "newstally.duckdb"
    wh = warehouse.Warehouse(db)
    other_watchlist = tmp_path / "watchlist.toml"
    other_watchlist.write_text(
        SHIPPED_WATCHLIST.read_text(encoding="utf-8")
        + '\n[[theme]]\nid = "story"\nname = "Story"\naliases = ["story"]\n',
        encoding="utf-8",
    )
    watchlists = {
        SHIPPED_WATCHLIST.read_text(encoding="utf-8"): SHIPPED_WATCHLIST,
        other_watchlist.read_text(): other_watchlist,
    }
    publisher = Publisher()
    killed = 0
    with running_feed_server() as server:
        warehouse.open_warehouse(db, watchlist_path=SHIPPED_WATCHLIST)
        for feed in range(FEEDS):
            server.routes[f"/feed{feed}.xml"] = lambda handler, feed=feed: respond(
                handler, 200, publisher.document(feed)
            )
            warehouse.add_feed(wh, server.url(f"/feed{feed}.xml"), source_name=f"Outlet {feed}")
        started = time.monotonic()
        finish(newstally(db, other_watchlist, "retally"))
        retally_seconds = time.monotonic() - started
        current = other_watchlist
        for round_number in range(KILLS):
            publisher.visible += ITEMS_PER_ROUND
            kind = ("fetch", "retally", "schedule")[round_number % 3]
            requests_before = len(server.requests)
            if kind == "retally":
                current = other_watchlist if current == SHIPPED_WATCHLIST else SHIPPED_WATCHLIST
                command = newstally(db, current, "retally")
                # Anywhere from start-up to the commit of the one transaction.
                moment = rng.uniform(0.3, 1.0) * retally_seconds

                def ready(elapsed: float, moment: float = moment) -> bool:
                    return elapsed >= moment
            else:
                command = newstally(
                    db, current, *(["fetch", "--force"] if kind == "fetch" else ["schedule", "--interval", "1"])
                )
                # Once the server has answered some of this round's requests: mid-ingest.
                served = rng.randint(1, FEEDS)

                def ready(elapsed: float, served: int = served, before: int = requests_before) -> bool:
                    return len(server.requests) - before >= served

            was_running = kill_when(command, ready, rng.uniform(0.0, 0.3))
            killed += was_running
            print(
                f"round {round_number}: {kind} {'killed' if was_running else 'finished'},"
                f" {warehouse.search_articles(wh, limit=1)[1]} articles stored"
            )

            # As the crash left it: whole transactions only, tallied with one of the two watchlists.
            stored_text = warehouse.current_watchlist(wh)
            assert stored_text is not None
            as_left = next(
                path
                for text, path in watchlists.items()
                if warehouse.load_watchlist(path).content_hash == stored_text.content_hash
            )
            assert_sound(wh, as_left, f"after the kill in round {round_number} ({kind})")

            # Restarted and finished.
            finish(
                newstally(
                    db,
                    current,
                    "retally" if kind == "retally" else "fetch",
                    *([] if kind == "retally" else ["--force"]),
                )
            )
            assert_sound(wh, current, f"after the restart in round {round_number} ({kind})")

        finish(newstally(db, current, "fetch", "--force"))
        check = subprocess.run(
            newstally(db, current, "check", "--full"),
            cwd=REPO_ROOT,
            env=environment(),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert check.returncode == 0, check.stdout + check.stderr
    urls = stored_urls(wh)
    assert len(urls) == len(set(urls)), f"an item was stored twice (seed {SEED})"
    assert set(urls) == publisher.published_urls(), f"items lost or invented (seed {SEED})"
    assert killed >= max(1, KILLS // 2), f"only {killed} of {KILLS} processes were still running when killed"
