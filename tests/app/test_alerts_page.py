"""The Alerts page and the Spikes page's "Alert me", run by AppTest against the hand-built spike warehouse."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import alerts
import warehouse
from alerts.messages import spikes_url
from tests.conftest import REPO_ROOT
from tests.spike_corpus import build_spike_corpus

APP = REPO_ROOT / "dashboard" / "app.py"
BASE = "https://tally.news.example"
SECRET_CHANNEL = "json://desk:hunter2@127.0.0.1:9/hooks"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_spike_corpus(tmp_path_factory.mktemp("alerts") / "newstally.duckdb").path


@pytest.fixture
def db(built: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "newstally.duckdb"
    shutil.copy(built, copy)
    return copy


def page(db_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, **query: str) -> AppTest:
    monkeypatch.setenv("NEWSTALLY_DB", str(db_path))
    monkeypatch.setenv("NEWSTALLY_DASHBOARD_URL", BASE)
    app = AppTest.from_file(str(APP), default_timeout=30)
    app.switch_page(f"app_pages/{name}.py")
    for key, value in query.items():
        app.query_params[key] = value
    return app.run()


def _message(rule: str, kind: str, at: datetime, *, episode: str | None, status: str = "delivered", why: str = ""):
    return warehouse.AlertMessage(
        rule_name=rule,
        kind=kind,
        episode_id=episode,
        evaluated_at=at,
        title=f"newstally {kind} of {rule}",
        body_text="…",
        body_html="<p>…</p>",
        body_chat="…",
        status=status,
        hold_reason=why or None,
        articles=27,
        share=0.64,
        usual_share=0.17,
    )


def _record(wh, message, *, channel: str | None, ok: bool = True, attempts: int = 1) -> None:
    recorded = warehouse.record_alert_message(wh, message)
    assert recorded is not None and recorded.message_id is not None
    for attempt in range(1, attempts + 1 if channel else 1):
        warehouse.record_delivery_attempt(
            wh,
            recorded.message_id,
            channel=str(channel),
            shown_as=str(channel).replace("hunter2", "****"),
            attempt=attempt,
            attempted_at=datetime.now(UTC),
            ok=ok,
            answer="200 OK" if ok else "HTTP 500: Internal Server Error",
        )


def test_the_alerts_page_says_how_to_make_a_rule_when_there_is_none(db, monkeypatch):
    app = page(db, monkeypatch, "alerts")
    assert not app.exception
    assert "No alert rules yet" in app.info[-1].value
    assert any("Nothing sent yet" in caption.value for caption in app.caption)


def test_the_alerts_page_lists_rules_and_what_was_sent_held_or_failed_each_linked_to_its_view(db, monkeypatch):
    wh = warehouse.Warehouse(db)
    alerts.add_spike_rule(wh, "putin-desk", entity_id="putin", channels=[SECRET_CHANNEL])
    alerts.add_spike_rule(wh, "summits", query_text="putin AND reshuffle", channels=["json://127.0.0.1:9/q"])
    alerts.add_digest_rule(wh, "morning", channels=["json://127.0.0.1:9/d"], send_at="07:30")
    at = datetime(2018, 7, 14, 12, tzinfo=UTC)
    _record(wh, _message("putin-desk", "alert", at, episode="putin-desk:2018-07-14"), channel=SECRET_CHANNEL)
    _record(
        wh,
        _message("summits", "alert", at, episode="summits:2018-07-14", status="held", why="quiet hours 22:00-07:00"),
        channel=None,
    )
    _record(
        wh,
        _message("morning", "digest", datetime(2018, 7, 15, 7, 30, tzinfo=UTC), episode="morning:2018-07-15"),
        channel="json://127.0.0.1:9/d",
        ok=False,
        attempts=3,
    )

    app = page(db, monkeypatch, "alerts")
    assert not app.exception
    rules, history = (frame.value for frame in app.dataframe)
    shown = rules.set_index("name")
    assert shown.loc["putin-desk", "watches"] == "Vladimir Putin"
    assert shown.loc["summits", "watches"] == "query: putin AND reshuffle"
    assert shown.loc["putin-desk", "view"] == f"{BASE}/spikes?entity=putin"
    assert pd.isna(shown.loc["morning", "view"])
    assert "hunter2" not in shown.loc["putin-desk", "channels"]
    assert "127.0.0.1" in shown.loc["putin-desk", "channels"]

    rows = history.set_index("rule")
    assert list(history["rule"]) == ["morning", "summits", "putin-desk"]  # newest first
    assert (rows.loc["putin-desk", "status"], rows.loc["summits", "status"]) == ("sent", "held")
    assert (rows.loc["morning", "status"], rows.loc["morning", "attempts"]) == ("failed", 3)
    assert rows.loc["morning", "answer"] == "HTTP 500: Internal Server Error"
    assert rows.loc["summits", "hold_reason"] == "quiet hours 22:00-07:00"
    # The very links the alert messages carry.
    assert rows.loc["putin-desk", "view"] == spikes_url(BASE, "putin", date(2018, 7, 14))
    assert rows.loc["summits", "view"] == spikes_url(BASE, None, date(2018, 7, 14), query_text="putin AND reshuffle")
    assert pd.isna(rows.loc["morning", "view"])
    assert "1 failed" in " ".join(caption.value for caption in app.caption)
    assert app.warning, "a failed channel is pointed out"


def test_alert_me_on_the_spikes_page_creates_a_rule_for_the_entity_shown_in_two_clicks(db, monkeypatch):
    app = page(db, monkeypatch, "spikes", entity="putin")
    assert not app.exception
    app.text_input(key="alert_me_channel").input("json://127.0.0.1:9/newsroom")
    app.button[0].click().run()  # the form's one button: Create alert
    assert not app.exception
    [rule] = warehouse.list_alert_rules(warehouse.Warehouse(db))
    assert (rule.name, rule.kind, rule.entity_id, rule.channels) == (
        "putin",
        "spike",
        "putin",
        ("json://127.0.0.1:9/newsroom",),
    )
    assert "Alert rule **putin** created" in app.success[0].value

    app.text_input(key="alert_me_channel").input("json://127.0.0.1:9/other")
    app.button[0].click().run()  # a second rule on the same entity gets the next free name
    assert [rule.name for rule in warehouse.list_alert_rules(warehouse.Warehouse(db))] == ["putin", "putin-2"]

    alerts_page = page(db, monkeypatch, "alerts")
    assert list(alerts_page.dataframe[0].value["name"]) == ["putin", "putin-2"]


@pytest.mark.parametrize(
    ("channel", "says"),
    [
        ("nonsense://what", "not a channel URL Apprise understands: nonsense://…"),
        ("desk at example dot com", "not a channel URL"),
        ("", "give a channel URL"),
    ],
)
def test_alert_me_refuses_a_channel_that_cannot_work_in_one_line_and_stores_nothing(db, monkeypatch, channel, says):
    app = page(db, monkeypatch, "spikes", entity="putin")
    app.text_input(key="alert_me_channel").input(channel)
    app.button[0].click().run()
    assert not app.exception
    [error] = app.error
    assert says in error.value
    assert len(error.value.splitlines()) == 1
    assert warehouse.list_alert_rules(warehouse.Warehouse(db)) == []


def test_alert_me_on_a_query_shown_on_the_spikes_page_creates_a_query_rule_in_two_clicks(db, monkeypatch):
    app = page(db, monkeypatch, "spikes", q="putin AND reshuffle")
    assert not app.exception
    app.text_input(key="alert_me_channel").input("json://127.0.0.1:9/newsroom")
    app.button[0].click().run()  # the form's one button: Create alert
    assert not app.exception
    [rule] = warehouse.list_alert_rules(warehouse.Warehouse(db))
    assert (rule.name, rule.kind, rule.entity_id, rule.query_text, rule.channels) == (
        "putin-and-reshuffle",
        "spike",
        None,
        "putin AND reshuffle",
        ("json://127.0.0.1:9/newsroom",),
    )
    # The default judgement, as `newstally alerts add NAME --query QUERY --to URL` gives it.
    assert (rule.threshold, rule.min_articles, rule.cooldown_hours, rule.time_zone) == (3.5, 5, 6.0, "UTC")
    assert "Alert rule **putin-and-reshuffle** created" in app.success[0].value

    alerts_page = page(db, monkeypatch, "alerts")
    rules = alerts_page.dataframe[0].value.set_index("name")
    assert rules.loc["putin-and-reshuffle", "watches"] == "query: putin AND reshuffle"


@pytest.mark.parametrize(
    ("channel", "says"),
    [
        ("nonsense://what", "not a channel URL Apprise understands: nonsense://…"),
        ("desk at example dot com", "not a channel URL"),
        ("", "give a channel URL"),
    ],
)
def test_alert_me_on_a_query_refuses_a_channel_that_cannot_work_in_one_line(db, monkeypatch, channel, says):
    app = page(db, monkeypatch, "spikes", q="reshuffle")
    app.text_input(key="alert_me_channel").input(channel)
    app.button[0].click().run()
    assert not app.exception
    [error] = app.error
    assert says in error.value
    assert len(error.value.splitlines()) == 1
    assert warehouse.list_alert_rules(warehouse.Warehouse(db)) == []


def test_an_alerts_episode_dated_a_day_into_the_spike_opens_that_spike(db, monkeypatch):
    # An alert names its episode after the day it first fired in the rule's zone (here the 15th); the spike
    # method dates the same episode from its first whole UTC day, the 14th.
    app = page(db, monkeypatch, "spikes", entity="putin", spike="putin:2018-07-15")
    assert not app.exception
    assert app.selectbox(key="spikes_episode").value == "putin:2018-07-14"
    assert dict(app.query_params) == {"entity": "putin", "spike": "putin:2018-07-14"}
