"""The Alerts page's links are the ones the alert messages carry (alerts.messages), worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd

from alerts.messages import spikes_url
from dashboard.alert_views import alert_history_as_shown, query_rule_name, rule_view_url
from warehouse import AlertRule

BASE = "https://tally.news.example/"
PUTIN = AlertRule(name="putin-desk", kind="spike", channels=("json://x/y",), entity_id="putin")
SUMMITS = AlertRule(
    name="summits", kind="spike", channels=("json://x/y",), query_text='putin AND "summit"', time_zone="Asia/Tokyo"
)
DIGEST = AlertRule(name="morning", kind="digest", channels=("json://x/y",), send_at="07:30")


def test_an_entity_rule_opens_its_spikes_view_and_an_episode_its_spike():
    assert rule_view_url(BASE, PUTIN) == "https://tally.news.example/spikes?entity=putin"
    episode = rule_view_url(BASE, PUTIN, first_day=date(2018, 7, 14))
    assert episode == "https://tally.news.example/spikes?entity=putin&spike=putin%3A2018-07-14"
    assert episode == spikes_url(BASE, "putin", date(2018, 7, 14))


def test_a_query_rule_opens_the_spikes_view_of_the_query_and_its_episode_and_a_digest_nothing():
    assert rule_view_url(BASE, SUMMITS) == "https://tally.news.example/spikes?q=putin+AND+%22summit%22"
    url = rule_view_url(BASE, SUMMITS, first_day=date(2018, 7, 14))
    assert url == (
        "https://tally.news.example/spikes?q=putin+AND+%22summit%22&spike=putin+AND+%22summit%22%3A2018-07-14"
    )
    assert url == spikes_url(BASE, None, date(2018, 7, 14), query_text='putin AND "summit"')
    assert rule_view_url(BASE, DIGEST) is None


def test_the_history_links_each_alert_to_its_episode_and_a_removed_rule_to_nothing():
    history = pd.DataFrame(
        {
            "message_id": [1, 2, 3],
            "rule": ["putin-desk", "summits", "gone"],
            "kind": ["alert", "alert", "alert"],
            "episode": ["putin-desk:2018-07-14", "summits:2018-07-14", "gone:2018-07-14"],
            "evaluated_at": pd.to_datetime(
                [datetime(2018, 7, 14, 12, tzinfo=UTC)] + [datetime(2018, 7, 15, 16, tzinfo=UTC)] * 2
            ),
            "status": ["sent", "held", "sent"],
            "channel": ["json://x/y?method=POST&retry=0", None, "json://x/y"],
            "attempts": [1, 0, 1],
            "answer": ["200 OK", "", "200 OK"],
            "hold_reason": ["", "quiet hours 22:00-07:00", ""],
            "title": ["a", "b", "c"],
        }
    )
    shown = alert_history_as_shown(history, [PUTIN, SUMMITS], base_url=BASE).set_index("rule")
    assert list(shown.index) == ["gone", "summits", "putin-desk"]  # newest first
    assert shown.loc["putin-desk", "view"] == spikes_url(BASE, "putin", date(2018, 7, 14))
    assert shown.loc["summits", "view"] == spikes_url(BASE, None, date(2018, 7, 14), query_text='putin AND "summit"')
    assert pd.isna(shown.loc["gone", "view"])
    # Channels as the rules list them: Apprise's options after `?` left out, none for a held message.
    assert shown["channel"].tolist() == ["json://x/y", "", "json://x/y"]


def test_a_query_rule_is_named_after_its_first_words_and_the_next_free_number():
    assert query_rule_name("putin AND (helsinki OR summit)", set()) == "putin-and-helsinki-or-summit"
    assert query_rule_name('"Trump-Putin" summit* title:Helsinki', set()) == "trump-putin-summit-title-helsinki"
    assert query_rule_name("Путин AND саммит", set()) == "путин-and-саммит"
    assert query_rule_name("a b c d e f g", {"a-b-c-d-e", "a-b-c-d-e-2"}) == "a-b-c-d-e-3"
    assert query_rule_name("* ()", {"putin"}) == "query"
