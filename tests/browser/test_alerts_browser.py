"""The Alerts page and "Alert me" as an editor uses them (issue 16): the real `streamlit run` and Chromium.

The history is real: the demo corpus of late April to mid-July 2018, three rules added and one pass run with
the CLI at noon UTC on 16 July 2018 (the Helsinki summit), its messages going to webhook receivers on
127.0.0.1. Putin's coverage and the query `putin AND (helsinki OR summit)` are far above usual then, so the
pass sends putin-desk's alert, holds putin-night's (its quiet hours run to 13:00) and fails summits' (its
channel answers 500 three times).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

import warehouse
from ingest import load_demo
from tests.browser.dashboard_server import SCREENSHOTS, grid_cell, requires_chromium, running_dashboard
from tests.conftest import SHIPPED_EVENTS, SHIPPED_WATCHLIST
from tests.integration.alert_receivers import webhook_receiver

pytestmark = [pytest.mark.browser, requires_chromium]

QUERY = "putin AND (helsinki OR summit)"
SUMMIT_DAY = date(2018, 7, 16)
_DAYS = re.compile(r"(\d{2} \w{3} \d{4})(?: – (\d{2} \w{3} \d{4}))?$")


@dataclass
class Served:
    url: str
    db_path: Path
    delivered: list  # what the working channel received (tests.integration.alert_receivers.Posted)


def newstally(db_path: Path, dashboard_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEWSTALLY_DASHBOARD_URL": dashboard_url}
    return subprocess.run(
        [sys.executable, "-m", "newstally", "--db", str(db_path), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("alerts")
    wh = warehouse.open_warehouse(
        folder / "newstally.duckdb", watchlist_path=SHIPPED_WATCHLIST, events_path=SHIPPED_EVENTS
    )
    load_demo(wh, seed=2017, articles_per_day=80, start=date(2018, 4, 23), now=datetime(2018, 7, 18, tzinfo=UTC))
    with (
        running_dashboard(wh.path, folder / "streamlit.log") as url,
        webhook_receiver() as working,
        webhook_receiver(status=500) as down,
    ):
        for rule in (
            ["putin-desk", "--entity", "putin", "--to", f"json://desk:hunter2@127.0.0.1:{working.port}/newsroom"],
            [
                "putin-night",
                "--entity",
                "putin",
                "--quiet",
                "00:00-13:00",
                "--to",
                f"json://127.0.0.1:{working.port}/n",
            ],
            ["summits", "--query", QUERY, "--to", f"json://127.0.0.1:{down.port}/summits"],
        ):
            added = newstally(wh.path, url, "alerts", "add", *rule)
            assert added.returncode == 0, added.stderr
        ran = newstally(wh.path, url, "alerts", "run", "--at", "2018-07-16T12:00")
        assert ran.returncode == 1, ran.stderr  # a channel failed
        assert "1 sent, 1 held, 1 failed" in ran.stderr
        assert len(down.posts) == 3  # tried three times
        yield Served(url, wh.path, working.posts)


def _history_grid(page):
    return page.locator('[data-testid="stDataFrame"]').nth(1)


def _click_view_link(page, rule: str):
    """Click the View link ("Open ↗") of `rule`'s row in the history grid, as a user does; the page it opens.

    The grid is drawn on a canvas: its row is found through the grid's accessible table, the link by the
    pointer cursor it shows under the mouse along that row (the row's first link is its View)."""
    grid = _history_grid(page)
    row = grid.locator("tr", has=page.locator("td", has_text=re.compile(f"^{re.escape(rule)}$")))
    row_index = int(row.get_attribute("aria-rowindex") or 0)  # 1 is the header
    rows = int(grid.locator("table").get_attribute("aria-rowcount") or 0)
    box = grid.bounding_box()
    assert box is not None and row_index >= 2
    row_height = (box["height"] - 2) / rows
    y = box["y"] + 1 + row_height * (row_index - 1) + row_height / 2
    for x in range(int(box["x"]) + 4, int(box["x"] + box["width"]), 6):
        page.mouse.move(x, y)
        if page.evaluate("([x, y]) => getComputedStyle(document.elementFromPoint(x, y)).cursor", [x, y]) == "pointer":
            with page.context.expect_page(timeout=10_000) as opened:
                page.mouse.click(x, y)
            return opened.value
    raise AssertionError(f"no link in the row of {rule}")


def test_the_alerts_page_lists_the_rules_and_what_was_sent_held_or_failed(served, browser):
    page = browser.new_page(viewport={"width": 1600, "height": 1300})
    page.goto(f"{served.url}/alerts")
    grid_cell(page, "putin-night").first.wait_for(state="attached", timeout=30_000)

    rules = page.locator('[data-testid="stDataFrame"]').first
    for text in ("putin-desk", "putin-night", "summits", "Vladimir Putin", f"query: {QUERY}"):
        assert rules.locator("td", has_text=text).count() >= 1, text
    assert rules.locator("td", has_text="quiet 00:00–13:00").count() == 1
    assert rules.locator("td", has_text="json://desk:****@127.0.0.1:").count() == 1
    assert "hunter2" not in page.content()  # the channel's secret is never shown

    history = _history_grid(page)
    statuses = {
        rule: history.locator("tr", has=page.locator("td", has_text=re.compile(f"^{rule}$"))).locator("td").nth(3)
        for rule in ("putin-desk", "putin-night", "summits")
    }
    assert {rule: cell.inner_text() for rule, cell in statuses.items()} == {
        "putin-desk": "sent",
        "putin-night": "held",
        "summits": "failed",
    }
    assert history.locator("td", has_text="quiet hours 00:00-13:00").count() == 1  # why it was held
    assert history.locator("td", has_text="error=500").count() == 1  # what the failed channel answered
    assert page.get_by_text("3 messages: 1 delivery sent, 1 held, 1 failed").count() == 1
    assert page.get_by_text("A channel failed").count() == 1
    assert page.locator('[data-testid="stException"]').count() == 0
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "alerts.png", full_page=True)
    page.close()


@pytest.mark.parametrize(
    ("rule", "shows"),
    [("putin-desk", "Vladimir Putin"), ("putin-night", "Vladimir Putin"), ("summits", f"“{QUERY}”")],
)
def test_each_alert_links_to_the_spikes_view_of_its_episode(served, browser, rule, shows):
    page = browser.new_page(viewport={"width": 1600, "height": 1300})
    page.goto(f"{served.url}/alerts")
    grid_cell(page, rule).first.wait_for(state="attached", timeout=30_000)

    spikes = _click_view_link(page, rule)

    spikes.wait_for_url(re.compile(r"/spikes\?"), timeout=15_000)
    heading = spikes.get_by_role("heading", name=re.compile(r"\d{4}$")).first
    heading.wait_for(timeout=30_000)
    # The heading names what the rule watches and the spike's days, which hold the summit day it fired on.
    text = heading.inner_text()
    assert text.startswith(f"{shows}, ")
    days = _DAYS.search(text)
    assert days is not None, text
    first, last = (datetime.strptime(day, "%d %b %Y").date() for day in (days[1], days[2] or days[1]))
    assert first <= SUMMIT_DAY <= last
    grid_cell(spikes, "Helsinki").first.wait_for(state="attached", timeout=30_000)  # the headlines behind it
    if rule == "summits":
        assert spikes.get_by_label("Or a query", exact=True).input_value() == QUERY
    else:
        assert spikes.get_by_label("Entity").input_value() == "Vladimir Putin"
    assert spikes.locator('[data-testid="stException"]').count() == 0
    if rule == "putin-desk":  # the very link the newsroom received
        (message,) = [post.payload["message"] for post in served.delivered if post.path == "/newsroom"]
        opened = re.search(r"http://\S+/spikes\?\S+", message)
        assert opened is not None and opened.group(0) in page.content().replace("&amp;", "&")
    spikes.close()
    page.close()


@pytest.mark.parametrize(
    ("view", "name", "watches"),
    [
        ({"entity": "trump"}, "trump", "trump"),
        ({"q": "trump AND helsinki"}, "trump-and-helsinki", "trump AND helsinki"),
    ],
)
def test_alert_me_on_the_spikes_page_makes_a_rule_in_two_clicks_that_alerts_list_shows(
    served, browser, view, name, watches
):
    page = browser.new_page(viewport={"width": 1400, "height": 1100})
    query = "&".join(f"{key}={value.replace(' ', '+')}" for key, value in view.items())
    page.goto(f"{served.url}/spikes?{query}")
    alert_me = page.get_by_role("button", name=re.compile("Alert me"))
    alert_me.wait_for(timeout=30_000)
    grid_cell(page, "Helsinki").first.wait_for(state="attached", timeout=30_000)  # the spike, explained

    alert_me.click()  # one
    page.get_by_label("Channel URL").fill("json://127.0.0.1:9/desk")
    page.get_by_role("button", name="Create alert").click()  # two

    page.get_by_text(f"Alert rule {name} created").wait_for(timeout=30_000)
    listed = newstally(served.db_path, served.url, "alerts", "list", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    rules = {rule["name"]: rule for rule in json.loads(listed.stdout)}
    assert rules[name]["watches"] == watches
    assert [channel.split("?")[0] for channel in rules[name]["channels"]] == ["json://127.0.0.1:9/desk"]
    page.close()
