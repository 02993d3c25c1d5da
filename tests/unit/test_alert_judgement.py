"""The alert judgement without a database: windows, the verdict, failed feeds, quiet hours, what a pass decides."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from alerts.digest import week_changes
from alerts.judgement import (
    Action,
    EpisodeState,
    QuietHours,
    comparison_windows,
    decide,
    judge,
    missing_volume,
)
from alerts.messages import spikes_url

BERLIN = ZoneInfo("Europe/Berlin")
AT = datetime(2018, 7, 16, 12, 0, tzinfo=UTC)


def counts(today: tuple[int, int], past: list[tuple[int, int]], source: str = "A") -> pd.DataFrame:
    """One outlet's window counts: (articles, total) today, then one per week back."""
    rows = [{"weeks_back": 0, "source": source, "articles": today[0], "total_articles": today[1]}]
    rows += [
        {"weeks_back": week, "source": source, "articles": articles, "total_articles": total}
        for week, (articles, total) in enumerate(past, start=1)
    ]
    return pd.DataFrame(rows)


# Shares 2, 3, 2, 4, 3, 2, 3, 2 % of 100 articles: median 2.5 %, MAD 0.5 % (seven deviations of 0.5, one of 1.5).
USUAL = [(2, 100), (3, 100), (2, 100), (4, 100), (3, 100), (2, 100), (3, 100), (2, 100)]


def test_windows_run_from_local_midnight_to_the_same_local_time_in_earlier_weeks():
    windows = comparison_windows(datetime(2018, 7, 16, 12, 30, tzinfo=UTC), BERLIN, weeks=2)
    assert [(w.weeks_back, w.start, w.end) for w in windows] == [
        (0, datetime(2018, 7, 15, 22, 0, tzinfo=UTC), datetime(2018, 7, 16, 12, 30, tzinfo=UTC)),
        (1, datetime(2018, 7, 8, 22, 0, tzinfo=UTC), datetime(2018, 7, 9, 12, 30, tzinfo=UTC)),
        (2, datetime(2018, 7, 1, 22, 0, tzinfo=UTC), datetime(2018, 7, 2, 12, 30, tzinfo=UTC)),
    ]


def test_windows_compare_wall_clock_hours_across_a_change_to_summer_time():
    # Monday 26 March 2018, 10:00 in Berlin (summer time, UTC+2) against Monday 19 March 10:00 (UTC+1).
    windows = comparison_windows(datetime(2018, 3, 26, 8, 0, tzinfo=UTC), BERLIN, weeks=1)
    assert (windows[1].start, windows[1].end) == (
        datetime(2018, 3, 18, 23, 0, tzinfo=UTC),
        datetime(2018, 3, 19, 9, 0, tzinfo=UTC),
    )


def test_twelve_of_a_hundred_against_a_usual_two_and_a_half_percent_is_far_above():
    verdict = judge(counts((12, 100), USUAL))
    # robust: (0.12 - 0.025) / max(1.4826 * 0.005, 1/100) = 9.5; chance: 2(√12.375 − √2.875) = 3.64; the smaller wins.
    assert (verdict.articles, verdict.total_articles, verdict.usual_share, verdict.score) == (12, 100, 0.025, 3.64)
    assert verdict.above
    assert verdict.usual_articles == 2.5
    assert verdict.against_usual == pytest.approx(4.8)


def test_ten_of_a_hundred_could_be_chance():
    verdict = judge(counts((10, 100), USUAL))
    # chance: 2(√10.375 − √2.875) = 3.05
    assert (verdict.score, verdict.above) == (3.05, False)
    assert verdict.why_not == "score 3.05, below 3.5"


def test_a_few_articles_are_never_news_however_high_the_share():
    verdict = judge(counts((4, 10), USUAL))
    assert not verdict.above
    assert verdict.why_not == "4 articles, fewer than the 5 needed"


def test_fewer_than_four_weeks_of_history_are_not_judged():
    verdict = judge(counts((50, 100), USUAL[:3]))
    assert not verdict.above
    assert verdict.why_not.startswith("only 3 of the weeks before had articles by this hour")


def test_missing_volume_is_what_failed_outlets_usually_publish_by_now_less_what_they_did():
    frame = pd.concat(
        [
            counts((12, 100), USUAL[:4], source="A"),
            # Of the 4 weeks, B: 40, 50, 60 articles in weeks 1-3, none in week 4 (no row); 10 today:
            # median of 0, 40, 50, 60 is 45, so 35 missing.
            counts((0, 10), [(0, 40), (0, 50), (0, 60)], source="B"),
        ]
    )
    assert missing_volume(frame, ["B"]) == 35
    assert missing_volume(frame, []) == 0


def test_failed_outlets_change_the_verdict_when_their_usual_volume_would_dilute_it():
    # 12 of 100 is above (3.64); with 35 more articles about nothing: 2(√12.375 − √(0.025·135 + 0.375)) = 3.16.
    worst = judge(counts((12, 100), USUAL), extra_total=35)
    assert (worst.total_articles, worst.score, worst.above) == (135, 3.16, False)


def test_quiet_hours_may_run_over_midnight():
    quiet = QuietHours.parse("22:00-07:00")
    assert [quiet.contains(time(h, m)) for h, m in [(23, 30), (6, 59), (7, 0), (12, 0), (22, 0)]] == [
        True,
        True,
        False,
        False,
        True,
    ]
    assert str(quiet) == "22:00-07:00"
    assert QuietHours.parse("12:00-13:00").contains(time(12, 30))


@pytest.mark.parametrize("text", ["22-07", "22:00", "25:00-07:00", "07:00-07:00", "22:00-07:00-08:00"])
def test_unusable_quiet_hours_are_refused(text: str):
    with pytest.raises(ValueError):
        QuietHours.parse(text)


ABOVE = judge(counts((12, 100), USUAL))


def decision(state: EpisodeState | None = None, **options):
    return decide(ABOVE, state=state or EpisodeState(), at=AT, local_time=time(12, 0), **options)


def test_the_first_pass_above_usual_sends_the_alert():
    assert (decision().action, decision().kind) == (Action.SEND, "alert")


def test_an_episode_alerted_already_sends_nothing_more_until_its_share_doubles():
    assert decision(EpisodeState(alert_delivered=True, alert_share=0.07)).action is Action.NOTHING
    doubled = decision(EpisodeState(alert_delivered=True, alert_share=0.06))
    assert (doubled.action, doubled.kind) == (Action.SEND, "update")
    assert decision(EpisodeState(alert_delivered=True, alert_share=0.06, update_done=True)).action is Action.NOTHING


def test_nothing_is_sent_within_the_cooldown_of_the_last_message():
    inside = decision(last_delivered_at=AT - timedelta(hours=5), cooldown=timedelta(hours=6))
    assert inside.action is Action.NOTHING
    assert inside.reason == "in cooldown until 2018-07-16 13:00 UTC"
    assert decision(last_delivered_at=AT - timedelta(hours=6), cooldown=timedelta(hours=6)).action is Action.SEND


def test_inside_quiet_hours_the_alert_is_held_until_they_end():
    held = decision(quiet=QuietHours.parse("11:00-13:30"))
    assert (held.action, held.kind, held.held_until, held.reason) == (
        Action.HOLD,
        "alert",
        "13:30",
        "quiet hours 11:00-13:30",
    )
    assert decision(EpisodeState(waiting_quiet=True)).action is Action.NOTHING


def test_failed_feeds_that_could_change_the_verdict_hold_the_alert():
    worst = judge(counts((12, 100), USUAL), extra_total=35)
    held = decision(worst_case=worst, failed_sources=["Outlet B"])
    assert (held.action, held.kind) == (Action.HOLD, "alert")
    assert held.reason.startswith("feeds failed today for Outlet B: had they published their usual 35 articles")
    still_above = judge(counts((12, 100), USUAL), extra_total=1)
    assert decision(worst_case=still_above, failed_sources=["Outlet B"]).action is Action.SEND


def test_the_spikes_link_names_the_entity_and_the_episode():
    link = spikes_url("https://news.example/tally/", "putin", AT.date())
    assert link == "https://news.example/tally/spikes?entity=putin&spike=putin%3A2018-07-16"


def test_week_changes_compare_the_share_of_the_last_seven_days_with_the_seven_before():
    days = pd.date_range("2018-07-02", periods=14, freq="D")
    # Before: 1 of 10 a day (10 %); last 7 days: 3 of 10 a day (30 %).
    series = pd.DataFrame(
        {
            "bucket_start": days,
            "entity_id": "putin",
            "articles": [1] * 7 + [3] * 7,
            "total_articles": [10] * 14,
        }
    )
    (change,) = week_changes(series, {"putin": "Vladimir Putin"}, week_start=pd.Timestamp("2018-07-09"))
    assert (change.name, change.share, change.previous_share, change.articles) == ("Vladimir Putin", 0.3, 0.1, 21)
    assert change.change == pytest.approx(0.2)
