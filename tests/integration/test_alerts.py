"""Alerts and digests end to end: a demo-like corpus of 2018, real receivers on 127.0.0.1, the real CLI.

The corpus is the demo generator's from late April to mid-July 2018 at 80 articles a day (about
7,000 articles, a few seconds), built once and copied per test. In it Putin's coverage is
ordinary until the Helsinki summit (16 July 2018), previewed from the 14th.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import threading
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

import alerts
import warehouse
from ingest import demo_outlets, generate_day, load_demo
from tests.conftest import SHIPPED_EVENTS, SHIPPED_WATCHLIST
from tests.integration.alert_receivers import mail_receiver, webhook_receiver

SEED = 2017
CORPUS_START = date(2018, 4, 23)
NO_RETRIES: tuple[float, ...] = ()
PUTIN_ALIASES = 'Putin OR "Vladimir Putin" OR Путин* OR Путін* OR 普京'  # as the shipped watchlist's putin


def _corpus(path: Path, until: datetime) -> warehouse.Warehouse:
    wh = warehouse.open_warehouse(path, watchlist_path=SHIPPED_WATCHLIST, events_path=SHIPPED_EVENTS)
    load_demo(wh, seed=SEED, articles_per_day=80, start=CORPUS_START, now=until)
    return wh


@pytest.fixture(scope="module")
def july_2018(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "july.duckdb"
    _corpus(path, datetime(2018, 7, 18, tzinfo=UTC))
    return path


@pytest.fixture
def wh(july_2018: Path, tmp_path: Path) -> warehouse.Warehouse:
    copy = tmp_path / "newstally.duckdb"
    shutil.copy(july_2018, copy)
    return warehouse.Warehouse(copy)


def newstally(wh: warehouse.Warehouse, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEWSTALLY_DASHBOARD_URL": "https://tally.news.example"}
    env.pop("NEWSTALLY_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "newstally", "--db", str(wh.path), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def history(wh: warehouse.Warehouse) -> list[dict]:
    return warehouse.alert_history(wh).to_dict("records")


def test_replaying_2018_alerts_once_for_helsinki_and_never_in_the_quiet_weeks_before(wh):
    with webhook_receiver() as receiver:
        alerts.add_spike_rule(
            wh, "putin-desk", entity_id="putin", channels=[f"json://127.0.0.1:{receiver.port}/hooks/newsroom"]
        )
        instants = [datetime(2018, 6, 4, 9, tzinfo=UTC) + timedelta(hours=12 * step) for step in range(78)]
        instants += [datetime(2018, 7, 13, tzinfo=UTC) + timedelta(hours=3 * step) for step in range(40)]
        for at in instants:
            alerts.run_pass(wh, at=at, delays=NO_RETRIES)
    sent = history(wh)
    assert {row["status"] for row in sent} == {"sent"}
    assert all(row["evaluated_at"] >= datetime(2018, 7, 13, tzinfo=UTC) for row in sent)
    assert [row["kind"] for row in sent].count("alert") == 1
    alert = next(row for row in sent if row["kind"] == "alert")
    assert date(2018, 7, 14) <= alert["evaluated_at"].date() <= date(2018, 7, 16)
    assert alert["episode"].startswith("putin-desk:2018-07-1")
    first = receiver.posts[0]
    assert first.path == "/hooks/newsroom"
    assert "Vladimir Putin far above usual" in first.payload["title"]
    message = first.payload["message"]
    assert "Helsinki" in message
    assert "spikes?entity=putin&spike=putin%3A2018-07-1" in message
    assert len(receiver.posts) == len(sent)  # the alert, and at most one update when its share doubled
    assert [row["kind"] for row in sent] in (["alert"], ["alert", "update"])


def test_a_second_pass_at_the_same_instant_sends_nothing_new(wh):
    with webhook_receiver() as receiver:
        url = f"json://127.0.0.1:{receiver.port}/alerts"
        added = newstally(wh, "alerts", "add", "putin-desk", "--entity", "putin", "--to", url, "--tz", "Europe/Berlin")
        assert added.returncode == 0, added.stderr
        first = newstally(wh, "alerts", "run", "--at", "2018-07-16T12:00")
        second = newstally(wh, "alerts", "run", "--at", "2018-07-16T12:00")
    assert first.returncode == 0, first.stderr
    assert "sending the alert" in first.stdout
    assert "1 sent, 0 held, 0 failed" in first.stderr
    assert second.returncode == 0, second.stderr
    assert "nothing to send (alerted already in this episode)" in second.stdout
    assert "0 sent, 0 held, 0 failed" in second.stderr
    assert len(receiver.posts) == 1
    payload = receiver.posts[0].payload
    assert "https://tally.news.example/spikes?entity=putin&spike=putin%3A2018-07-16" in payload["message"]
    shown = json.loads(newstally(wh, "alerts", "history", "--format", "json").stdout)
    assert [(row["kind"], row["status"], row["attempts"]) for row in shown] == [("alert", "sent", 1)]
    assert shown[0]["channel"].startswith(f"json://127.0.0.1:{receiver.port}/alerts")
    as_csv = newstally(wh, "alerts", "history", "--format", "csv").stdout.splitlines()
    assert as_csv[0].startswith("message_id,rule,kind,episode,evaluated_at,status,channel,attempts,")
    assert len(as_csv) == 2


def test_an_alert_and_the_digest_arrive_as_email(wh):
    with mail_receiver() as mailbox:
        channel = mailbox.channel()
        assert newstally(wh, "alerts", "add", "putin-desk", "--entity", "putin", "--to", channel).returncode == 0
        ran = newstally(wh, "alerts", "run", "--at", "2018-07-16T12:00")
        added = newstally(
            wh, "digest", "add", "morning", "--to", channel, "--at", "07:30", "--tz", "Europe/Berlin",
            "--entities", "putin,trump",
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        sent = newstally(wh, "digest", "send", "morning", "--at", "2018-07-17T05:30")
    assert ran.returncode == 0, ran.stderr
    assert sent.returncode == 0, sent.stderr
    assert len(mailbox.messages) == 2
    alert, digest = mailbox.messages
    assert mailbox.recipients[0] == ["desk@news.example"]
    assert alert["Subject"].startswith("newstally Alert: Vladimir Putin far above usual")
    assert alert.get_content_type() == "multipart/alternative"
    html = alert.get_body(("html",)).get_content()
    text = alert.get_body(("plain",)).get_content()
    assert "https://tally.news.example/spikes?entity=putin&amp;spike=putin%3A2018-07-16" in html
    assert html.count("<li><a href=") == 3  # three headlines, each linked
    assert "Trump–Putin summit, Helsinki" in text
    assert "Calendar, within 3 days" in text
    assert digest["Subject"] == "newstally digest morning: Tue 17 Jul 2018"
    digest_text = digest.get_body(("plain",)).get_content()
    for heading in (
        "Rose most against the week before",
        "Fell most against the week before",
        "Spikes of the last day",
        "Calendar, the coming week",
        "Watched, share of coverage over the last 7 days",
    ):
        assert heading in digest_text
    watched = digest_text.split("Watched, share of coverage over the last 7 days")[1]
    assert "Vladimir Putin:" in watched and "Donald Trump:" in watched
    assert "Vladimir Putin, peak 16 Jul" in digest_text


def test_a_slack_style_chat_gets_a_slack_payload(wh):
    # Mattermost's incoming webhooks take Slack's payload; Apprise's slack:// URLs always post to
    # hooks.slack.com, so a local receiver cannot take them.
    with webhook_receiver() as receiver:
        alerts.add_spike_rule(
            wh, "putin-chat", entity_id="putin", channels=[f"mmost://127.0.0.1:{receiver.port}/abcdefghijk"]
        )
        report = alerts.run_pass(wh, at=datetime(2018, 7, 16, 12, tzinfo=UTC), delays=NO_RETRIES)
    assert report.sent == 1
    (post,) = receiver.posts
    assert post.path == "/hooks/abcdefghijk"
    assert "Vladimir Putin far above usual" in post.payload["text"]
    assert "Trump–Putin summit, Helsinki" in post.payload["text"]


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_a_teams_workflow_gets_an_adaptive_card(wh):
    # Teams' Workflows webhooks (workflows://) take a host, but only over HTTPS: a local receiver
    # with a self-signed certificate, and verify=no.
    with webhook_receiver(status=202, tls=True) as receiver:
        channel = f"workflows://127.0.0.1:{receiver.port}/flow123/signature456/?verify=no"
        alerts.add_spike_rule(wh, "putin-teams", entity_id="putin", channels=[channel])
        report = alerts.run_pass(wh, at=datetime(2018, 7, 16, 12, tzinfo=UTC), delays=NO_RETRIES)
    assert report.sent == 1
    (post,) = receiver.posts
    assert post.path.startswith("/workflows/flow123/triggers/manual/paths/invoke?")
    assert "sig=signature456" in post.path
    (card,) = post.payload["attachments"]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    texts = [block.get("text", "") for block in card["content"]["body"]]
    assert any("Vladimir Putin far above usual" in text for text in texts)
    assert any("Trump–Putin summit, Helsinki" in text for text in texts)


def test_a_channel_answering_500_is_retried_then_recorded_failed(wh):
    with webhook_receiver(status=500) as receiver:
        alerts.add_spike_rule(wh, "putin-desk", entity_id="putin", channels=[f"json://127.0.0.1:{receiver.port}/x"])
        ran = newstally(wh, "alerts", "run", "--at", "2018-07-16T12:00")
    assert ran.returncode == 1
    assert "FAILED after 3 attempts" in ran.stdout
    assert len(receiver.posts) == 3
    (row,) = history(wh)
    assert (row["kind"], row["status"], row["attempts"]) == ("alert", "failed", 3)
    assert "500" in row["answer"]
    # Not yet an hour: status stays quiet about it; after an hour it reports the channel.
    assert alerts.failing_channels(wh) == []
    (failing,) = alerts.failing_channels(wh, now=datetime.now(UTC) + timedelta(minutes=61))
    assert failing.shown_as.startswith(f"json://127.0.0.1:{receiver.port}/x")


def test_status_exits_non_zero_while_a_channel_has_failed_for_over_an_hour(wh):
    message = warehouse.record_alert_message(
        wh,
        warehouse.AlertMessage(
            rule_name="putin-desk", kind="alert", evaluated_at=datetime.now(UTC), title="t", body_text="b",
            body_html="<p>b</p>", body_chat="b",
        ),
    )  # fmt: skip
    for attempt, minutes_ago in ((1, 70), (2, 65)):
        warehouse.record_delivery_attempt(
            wh, message.message_id, channel="json://127.0.0.1:9/down", shown_as="json://127.0.0.1:9/down",
            attempt=attempt, attempted_at=datetime.now(UTC) - timedelta(minutes=minutes_ago), ok=False,
            answer="connection refused",
        )  # fmt: skip
    status = newstally(wh, "status")
    assert status.returncode == 1
    assert "alert channel json://127.0.0.1:9/down failing since" in status.stderr


def test_quiet_hours_hold_the_alert_and_it_goes_out_when_they_end(wh):
    with webhook_receiver() as receiver:
        alerts.add_spike_rule(
            wh, "putin-desk", entity_id="putin", channels=[f"json://127.0.0.1:{receiver.port}/x"], quiet="00:00-13:00"
        )
        held = alerts.run_pass(wh, at=datetime(2018, 7, 16, 12, tzinfo=UTC), delays=NO_RETRIES)
        assert (held.held, len(receiver.posts)) == (1, 0)
        again = alerts.run_pass(wh, at=datetime(2018, 7, 16, 12, 30, tzinfo=UTC), delays=NO_RETRIES)
        assert (again.held, again.sent, len(receiver.posts)) == (0, 0, 0)
        after = alerts.run_pass(wh, at=datetime(2018, 7, 16, 13, 5, tzinfo=UTC), delays=NO_RETRIES)
    assert after.sent == 1
    assert len(receiver.posts) == 1
    (row,) = history(wh)
    assert (row["status"], row["hold_reason"]) == ("sent", "quiet hours 00:00-13:00")
    assert row["evaluated_at"] == datetime(2018, 7, 16, 12, tzinfo=UTC)  # the numbers of when it was held


def test_a_day_with_failed_feeds_holds_the_alert_until_they_work_again(tmp_path):
    """16 July 2018 up to noon: only one of the eight outlets' feeds worked, so only its articles are in."""
    wh = _corpus(tmp_path / "newstally.duckdb", datetime(2018, 7, 16, tzinfo=UTC))
    outlets = [outlet.name for outlet in demo_outlets()]
    working, failed = outlets[-1:], outlets[:-1]
    noon = datetime(2018, 7, 16, 12, tzinfo=UTC)
    for name in working:
        articles = [
            a for outlet, a in generate_day(SEED, date(2018, 7, 16)) if outlet == name and a.published_at < noon
        ]
        warehouse.store_articles(wh, name, articles, is_demo=True)
    feeds = {name: warehouse.add_feed(wh, f"http://127.0.0.1:9/{index}.xml", source_name=name)
             for index, name in enumerate(outlets)}  # fmt: skip

    def fetch(name: str, at: datetime, outcome: warehouse.FetchOutcome) -> None:
        warehouse.record_fetch(
            wh,
            warehouse.FetchResult(feed_id=feeds[name].feed_id, started_at=at, outcome=outcome, duration_ms=5),
            plan=warehouse.FeedPlan(next_fetch_at=at + timedelta(minutes=15)),
        )

    for name in outlets:
        ok = name in working
        fetch(name, datetime(2018, 7, 16, 6, tzinfo=UTC), warehouse.FetchOutcome.NOT_MODIFIED if ok else
              warehouse.FetchOutcome.TRANSIENT_ERROR)  # fmt: skip
    with webhook_receiver() as receiver:
        alerts.add_spike_rule(wh, "putin-desk", entity_id="putin", channels=[f"json://127.0.0.1:{receiver.port}/x"])
        held = alerts.run_pass(wh, at=noon, delays=NO_RETRIES)
        # Alone, its 9 of 15 articles are far above usual; with the usual volume of the seven others
        # and nothing about Putin in it they would not be, so the alert waits.
        assert (held.held, held.sent, len(receiver.posts)) == (1, 0, 0), held.lines
        (row,) = history(wh)
        assert row["status"] == "held"
        assert row["hold_reason"].startswith(f"feeds failed today for {', '.join(sorted(failed))}")
        assert "not far above usual" in row["hold_reason"]
        # A later pass while they still fail refreshes the one held row rather than adding another.
        alerts.run_pass(wh, at=noon + timedelta(minutes=5), delays=NO_RETRIES)
        assert len(history(wh)) == 1
        for name in failed:
            fetch(name, datetime(2018, 7, 16, 12, 10, tzinfo=UTC), warehouse.FetchOutcome.NOT_MODIFIED)
        sent = alerts.run_pass(wh, at=noon + timedelta(minutes=15), delays=NO_RETRIES)
    assert sent.sent == 1
    assert len(receiver.posts) == 1
    assert [(row["kind"], row["status"]) for row in history(wh)] == [("alert", "held"), ("alert", "sent")]


def test_a_query_rule_alerts_for_helsinki_with_its_headlines_and_never_in_the_quiet_weeks_before(wh):
    query = "putin AND (helsinki OR summit)"
    with webhook_receiver() as receiver:
        url = f"json://127.0.0.1:{receiver.port}/hooks/summits"
        added = newstally(wh, "alerts", "add", "summits", "--query", query, "--to", url)
        assert added.returncode == 0, added.stderr
        instants = [datetime(2018, 6, 4, 9, tzinfo=UTC) + timedelta(hours=12 * step) for step in range(78)]
        instants += [datetime(2018, 7, 13, tzinfo=UTC) + timedelta(hours=3 * step) for step in range(40)]
        for at in instants:
            alerts.run_pass(wh, at=at, delays=NO_RETRIES)
    sent = history(wh)
    assert {row["status"] for row in sent} == {"sent"}
    assert all(row["evaluated_at"] >= datetime(2018, 7, 13, tzinfo=UTC) for row in sent)
    assert [row["kind"] for row in sent].count("alert") == 1
    alert = next(row for row in sent if row["kind"] == "alert")
    assert date(2018, 7, 14) <= alert["evaluated_at"].date() <= date(2018, 7, 16)
    assert alert["episode"].startswith("summits:2018-07-1")
    payload = receiver.posts[0].payload
    assert f"“{query}” far above usual" in payload["title"]
    headlines = [line for line in payload["message"].splitlines() if " http" in line and "—" in line]
    assert 1 <= len(headlines) <= 3  # the stories behind it, as many as there were (up to three)
    assert all("Putin" in line and ("Helsinki" in line or "summit" in line.lower()) for line in headlines)
    assert (
        "spikes?q=putin+AND+%28helsinki+OR+summit%29&spike=putin+AND+%28helsinki+OR+summit%29%3A2018-07-1"
        in (payload["message"])
    )
    listed = json.loads(newstally(wh, "alerts", "list", "--format", "json").stdout)
    assert [(rule["name"], rule["watches"]) for rule in listed] == [("summits", query)]


def test_a_query_rule_counts_what_the_query_matches_as_an_entity_rule_counts_its_mentions(wh):
    """A query listing the entity's aliases is counted as the entity (docs/counting.md), window by window."""
    windows = [(weeks, datetime(2018, 7, 16, tzinfo=UTC) - timedelta(weeks=weeks),
                datetime(2018, 7, 16, 12, 7, tzinfo=UTC) - timedelta(weeks=weeks)) for weeks in range(9)]  # fmt: skip
    by_entity, by_query = warehouse.alert_window_counts_many(
        wh, [("putin", windows), (warehouse.parse_query(PUTIN_ALIASES), windows)]
    )
    assert by_entity["articles"].sum() > 20
    assert by_query.equals(by_entity)


def test_a_query_rule_that_cannot_be_read_is_refused_in_one_line(wh):
    refused = newstally(wh, "alerts", "add", "broken", "--query", "putin AND (helsinki", "--to", "json://127.0.0.1:9/x")
    assert refused.returncode == 2
    assert len(refused.stderr.strip().splitlines()) == 1
    assert warehouse.list_alert_rules(wh) == []


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--entity", "nobody", "--to", "json://127.0.0.1:9/x"], "nobody"),
        (["--entity", "putin", "--to", "nonsense://what"], "not a channel URL Apprise understands"),
        (["--entity", "putin", "--to", "json://127.0.0.1:9/x", "--quiet", "22-7"], "bad time"),
        (["--entity", "putin", "--to", "json://127.0.0.1:9/x", "--tz", "Mars/Olympus"], "unknown time zone"),
    ],
)
def test_a_rule_that_cannot_work_is_refused_in_one_line(wh, args: list[str], says: str):
    refused = newstally(wh, "alerts", "add", "broken", *args)
    assert refused.returncode == 2
    assert says in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert warehouse.list_alert_rules(wh) == []


def test_removing_an_unknown_rule_is_a_one_line_mistake(wh):
    removed = newstally(wh, "alerts", "remove", "nothing-here")
    assert removed.returncode == 2
    assert "no alert or digest named 'nothing-here'" in removed.stderr


def test_alerts_test_says_what_each_channel_answered(wh):
    with webhook_receiver() as up, webhook_receiver(status=500) as down:
        alerts.add_spike_rule(
            wh,
            "putin-desk",
            entity_id="putin",
            channels=[f"json://127.0.0.1:{up.port}/ok", f"json://127.0.0.1:{down.port}/broken"],
        )
        tested = newstally(wh, "alerts", "test", "putin-desk")
    assert tested.returncode == 1
    first, second = tested.stdout.strip().splitlines()
    assert first.startswith(f"json://127.0.0.1:{up.port}/ok") and ": ok — " in first
    assert second.startswith(f"json://127.0.0.1:{down.port}/broken") and ": FAILED — " in second
    assert "500" in second
    assert up.posts[0].payload["title"] == "newstally test: rule putin-desk"


def test_an_error_in_the_after_pass_hook_is_logged_and_fetching_goes_on(fresh_warehouse, caplog):
    from ingest.scheduler import run_scheduler

    calls = []

    def broken() -> None:
        calls.append(1)
        raise RuntimeError("alerts exploded")

    stop = threading.Event()
    runner = threading.Thread(
        target=run_scheduler,
        kwargs={"wh": fresh_warehouse, "interval_seconds": 0.2, "stop_event": stop, "after_pass": broken},
    )
    runner.start()
    try:
        deadline = datetime.now(UTC) + timedelta(seconds=30)
        while len(calls) < 2 and datetime.now(UTC) < deadline:
            stop.wait(0.1)
    finally:
        stop.set()
        runner.join(timeout=30)
    assert len(calls) >= 2  # a second fetch pass ran after the first hook failed
    assert "after-pass hook failed; fetching goes on" in caplog.text


def test_two_passes_deciding_the_same_episode_at_once_record_one_alert(fresh_warehouse):
    message = warehouse.AlertMessage(
        rule_name="putin-desk", kind="alert", episode_id="putin-desk:2018-07-16",
        evaluated_at=datetime(2018, 7, 16, 12, tzinfo=UTC), title="t", body_text="b", body_html="<p>b</p>",
        body_chat="b",
    )  # fmt: skip
    first = warehouse.record_alert_message(fresh_warehouse, message, once=True)
    second = warehouse.record_alert_message(fresh_warehouse, message, once=True)
    update = warehouse.record_alert_message(fresh_warehouse, replace(message, kind="update"), once=True)
    assert first is not None and first.message_id == 1
    assert second is None
    assert update is not None


def test_the_scheduler_hook_returns_at_once_while_a_slow_channel_is_retried(wh, caplog):
    caplog.set_level(logging.INFO, logger="alerts")
    with webhook_receiver(delay_seconds=2.0) as slow:
        channel = f"json://127.0.0.1:{slow.port}/slow"
        alerts.add_spike_rule(wh, "putin-desk", entity_id="putin", channels=[channel])
        message = warehouse.record_alert_message(
            wh,
            warehouse.AlertMessage(
                rule_name="putin-desk", kind="alert", episode_id="putin-desk:2018-07-16",
                evaluated_at=datetime(2018, 7, 16, 12, tzinfo=UTC), title="t", body_text="b", body_html="<p>b</p>",
                body_chat="b",
            ),
        )  # fmt: skip
        # Three attempts failed ten minutes ago: the next pass is due to try again.
        for attempt in (1, 2, 3):
            warehouse.record_delivery_attempt(
                wh, message.message_id, channel=channel, shown_as=channel, attempt=attempt,
                attempted_at=datetime.now(UTC) - timedelta(minutes=10), ok=False, answer="HTTP 502",
            )  # fmt: skip
        start_pass = alerts.background_passes(wh)
        started = datetime.now(UTC)
        start_pass()
        start_pass()  # the first is still waiting on the channel: not doubled
        returned_after = datetime.now(UTC) - started
        deadline = started + timedelta(seconds=30)
        while len(history(wh)) and history(wh)[0]["attempts"] < 4 and datetime.now(UTC) < deadline:
            threading.Event().wait(0.2)
    assert returned_after < timedelta(seconds=1)
    assert "alerts pass still running; skipping this one" in caplog.text
    rows = history(wh)
    assert len(rows) == 1, rows
    assert (rows[0]["status"], rows[0]["attempts"]) == ("sent", 4)
    assert len(slow.posts) == 1
