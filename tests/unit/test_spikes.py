"""Spikes: a day far above its own recent past, merged into episodes, with the evidence behind them.

Scores are worked out by hand below. With a flat past the MAD is 0, so the robust z-score
uses its floor of one article and the chance score decides:
    chance = 2·(√(x + 3/8) − √(expected + 3/8))   (Anscombe's Poisson-to-normal transform)
    40 articles against a past of 10 a day: 2·(√40.375 − √10.375) = 2·(6.3541 − 3.2210) = 6.27
    30 against 10: 2·(√30.375 − √10.375) = 2·(5.5114 − 3.2210) = 4.58
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
import pytest

import warehouse
from tests.conftest import article
from warehouse.analysis.evidence import TermCount, episode_headlines, rank_rising_terms
from warehouse.analysis.spikes import detect_spikes

FIRST_DAY = date(2023, 1, 1)  # a Sunday; no shipped calendar event falls in early 2023


def daily(values: list[float], first: date = FIRST_DAY) -> pd.Series:
    return pd.Series(values, index=pd.date_range(first, periods=len(values), freq="D"))


def day(offset: int) -> date:
    return FIRST_DAY + timedelta(days=offset)


def episodes(found: pd.DataFrame) -> list[tuple]:
    return [tuple(row) for row in found[["start", "peak", "end", "peak_count"]].itertuples(index=False)]


def test_a_clear_spike_is_one_episode_with_its_start_peak_and_end():
    values = [10.0] * 40
    values[35], values[36] = 40.0, 30.0
    found = detect_spikes(daily(values))
    assert episodes(found) == [(day(35), day(35), day(36), 40)]
    assert found.loc[0, "baseline_median"] == 10.0
    assert found.loc[0, "score"] == pytest.approx(6.27, abs=0.01)


def test_a_share_spike_scores_like_the_same_count_spike_on_days_of_100_articles():
    values = [10.0] * 40
    values[35], values[36] = 40.0, 30.0
    found = detect_spikes(daily(values), totals=daily([100.0] * 40))
    # share 0.40 against 0.10; the expected count is 0.10 × 100 = 10, so the chance score is 6.27 again.
    assert episodes(found) == [(day(35), day(35), day(36), 40)]
    assert found.loc[0, "peak_value"] == 0.4
    assert found.loc[0, "baseline_median"] == 0.1
    assert found.loc[0, "score"] == pytest.approx(6.27, abs=0.01)


def test_a_day_on_which_every_outlet_published_three_times_as_much_is_not_a_share_spike():
    counts, totals = [10.0] * 40, [100.0] * 40
    counts[35], totals[35] = 30.0, 300.0  # say, a batch of newly added feeds
    assert episodes(detect_spikes(daily(counts))) == [(day(35), day(35), day(35), 30)]  # 4.58 on counts
    assert episodes(detect_spikes(daily(counts), totals=daily(totals))) == []  # share 0.10 as always


def test_a_weekly_rhythm_with_quiet_weekends_is_not_a_spike():
    # 2023-01-01 is a Sunday: 20 articles on weekdays, 5 at weekends, for eight weeks.
    counts = [5.0 if day(offset).weekday() >= 5 else 20.0 for offset in range(56)]
    totals = [40.0 if day(offset).weekday() >= 5 else 100.0 for offset in range(56)]
    # The past 28 days hold 20 weekdays at 20 and 8 weekend days at 5: median 20, MAD 0.
    # Monday's 20 scores 0; weekend days score below 0.
    assert episodes(detect_spikes(daily(counts))) == []
    assert episodes(detect_spikes(daily(counts), totals=daily(totals))) == []


def test_a_flat_series_has_no_spike():
    assert episodes(detect_spikes(daily([7.0] * 60))) == []
    assert episodes(detect_spikes(daily([0.0] * 60), min_count=0)) == []


def test_after_a_flat_zero_past_one_stray_article_is_no_spike_but_six_are():
    # MAD 0 is floored at one article, so 1 article scores min(1/1, 2·(√1.375 − √0.375) = 1.12) = 1,
    # not infinity; 6 articles score min(6/1, 2·(√6.375 − √0.375) = 2·(2.5249 − 0.6124) = 3.825).
    stray = [0.0] * 40
    stray[35] = 1.0
    assert episodes(detect_spikes(daily(stray), min_count=1)) == []
    six = [0.0] * 40
    six[35] = 6.0
    found = detect_spikes(daily(six))
    assert episodes(found) == [(day(35), day(35), day(35), 6)]
    assert found.loc[0, "score"] == pytest.approx(3.825, abs=0.01)


def test_fewer_than_min_count_articles_is_never_a_spike():
    six = [0.0] * 40
    six[35] = 6.0
    assert episodes(detect_spikes(daily(six), min_count=7)) == []


def test_two_spikes_separated_by_quiet_days_are_two_episodes():
    values = [10.0] * 60
    values[35] = values[45] = 40.0
    # Day 45's past holds day 35's burst, but one 40 among 28 days leaves the median at 10.
    assert episodes(detect_spikes(daily(values))) == [
        (day(35), day(35), day(35), 40),
        (day(45), day(45), day(45), 40),
    ]


def test_a_lasting_rise_is_a_spike_only_until_it_fills_half_the_window():
    # 10 a day, then 40 a day from day 35. Day 35 + k has k forties among its 28 past days:
    # up to k = 13 the median is still 10 (and the MAD 0); at k = 14 the median is 25 and
    # the MAD 15, so day 49 scores (40 − 25) / (1.4826 × 15) = 0.67. Had each day been part
    # of its own yardstick, day 48 would already have met 14 forties and the episode would
    # end on day 47: the day itself stays out of its baseline.
    values = [10.0] * 35 + [40.0] * 25
    assert episodes(detect_spikes(daily(values))) == [(day(35), day(35), day(48), 40)]


def test_days_without_a_full_window_of_past_are_not_judged():
    values = [10.0] * 40
    values[20] = 40.0  # only 20 days of past
    assert episodes(detect_spikes(daily(values))) == []


# --- the evidence behind an episode --------------------------------------------------------------


HEADLINE_DAY = date(2023, 2, 5)


def headlines_of(wh: warehouse.Warehouse, stored: dict[str, list[tuple[int, str, str]]], *, limit: int = 5):
    """Store (hour, title, summary) articles per outlet on HEADLINE_DAY; the headlines of a one-day Putin episode."""
    for outlet, rows in stored.items():
        warehouse.store_articles(
            wh,
            outlet,
            [
                article(f"{outlet}-{hour}", title, summary, datetime.combine(HEADLINE_DAY, time(hour), tzinfo=UTC))
                for hour, title, summary in rows
            ],
        )
    episodes = pd.DataFrame(
        {"episode_id": ["putin:2023-02-05"], "entity_id": ["putin"], "start": [HEADLINE_DAY], "peak": [HEADLINE_DAY]}
    )
    with wh.reading() as connection:
        return episode_headlines(connection, episodes, limit=limit).get("putin:2023-02-05", ())


def test_headlines_are_the_most_carried_stories_each_by_its_first_publisher(fresh_warehouse):
    found = headlines_of(
        fresh_warehouse,
        {
            "Outlet A": [(6, "Putin speaks", ""), (10, "Putin meets Trump in Helsinki!", "")],
            "Outlet B": [
                (9, "Putin meets Trump in Helsinki", ""),
                (11, "Putin meets Trump in Helsinki", ""),  # a second copy at one outlet
            ],
            "Outlet C": [(8, "Trump meets Putin in Helsinki", "")],  # same words: the same story
            "Outlet D": [(7, "Summit week", "Putin flies north")],  # Putin only in the summary
        },
    )
    # Helsinki: outlets C, B, A (3), first published by C at 08:00. Then the one-outlet
    # stories: those naming the entity in the title before the one that does not, earliest first.
    assert [(headline.title, headline.source, headline.outlets) for headline in found] == [
        ("Trump meets Putin in Helsinki", "Outlet C", 3),
        ("Putin speaks", "Outlet A", 1),
        ("Summit week", "Outlet D", 1),
    ]
    assert found[0].published_at == datetime(2023, 2, 5, 8, tzinfo=UTC)
    assert found[0].url == "https://news.example/Outlet C-8"


def test_a_story_is_its_content_words_in_any_case_and_any_script(fresh_warehouse):
    found = headlines_of(
        fresh_warehouse,
        {
            "Outlet A": [(6, "Путин в Хельсинки", "")],
            "Outlet B": [(7, "Путин В ХЕЛЬСИНКИ", "")],  # the name itself is case-sensitive (docs/counting.md)
            # Stop words and punctuation do not make a different story.
            "Outlet C": [(8, "Putin: the talks, the summit", ""), (9, "Путин", "")],
            "Outlet D": [(10, "Putin talks summit", "")],
        },
    )
    assert [(headline.title, headline.outlets) for headline in found] == [
        ("Путин в Хельсинки", 2),
        ("Putin: the talks, the summit", 2),
        ("Путин", 1),
    ]


def test_only_the_first_few_stories_of_an_episode_are_returned(fresh_warehouse):
    found = headlines_of(
        fresh_warehouse, {"Outlet A": [(hour, f"Putin story {hour}", "") for hour in range(8)]}, limit=3
    )
    assert [headline.title for headline in found] == ["Putin story 0", "Putin story 1", "Putin story 2"]


def test_rising_terms_rank_by_smoothed_log_ratio_and_drop_words_that_did_not_rise():
    counts = [
        # episode: e of 6 titles; baseline: b of 20 titles
        TermCount("e", "helsinki", 4, 0, 6, 20),  # ln((5/8) / (1/22)) = ln(13.75) = 2.621
        TermCount("e", "putin", 6, 20, 6, 20),  # ln((7/8) / (21/22)) = ln(0.9167) < 0: dropped
        TermCount("e", "summit", 2, 2, 6, 20),  # ln((3/8) / (3/22)) = ln(2.75) = 1.012
    ]
    assert [(term.term, term.log_ratio) for term in rank_rising_terms(counts)] == [
        ("helsinki", 2.621),
        ("summit", 1.012),
    ]


# --- through the warehouse ---------------------------------------------------------------------------


def at(offset: int, hour: int = 12) -> datetime:
    return datetime.combine(day(offset), datetime.min.time()).replace(hour=hour, tzinfo=UTC)


def quiet_month(days: int = 35) -> list[warehouse.FetchedArticle]:
    """Each day 1 article about Putin and 9 about the weather: a share of 0.10."""
    stored = []
    for offset in range(days):
        stored.append(article(f"p{offset}", "Putin holds cabinet meeting", "", at(offset, 9)))
        stored += [article(f"w{offset}-{n}", "Weather", "", at(offset, 10 + n % 10)) for n in range(9)]
    return stored


def pile_up(prefix: str, offset: int) -> list[warehouse.FetchedArticle]:
    return [article(f"{prefix}{n}", f"Putin in Helsinki, part {n}", "", at(offset, n % 24)) for n in range(30)]


def test_a_pile_up_of_articles_with_bad_dates_makes_no_spike(fresh_warehouse):
    warehouse.store_articles(fresh_warehouse, "Outlet A", quiet_month())
    # Fetched on day 0 but dated day 34: a future date, kept but never bucketed.
    warehouse.store_articles(fresh_warehouse, "Outlet B", pile_up("bad", 34), fetched_at=at(0))
    assert warehouse.spike_episodes(fresh_warehouse, entity_ids=["putin"]) == []


def test_the_same_pile_up_with_good_dates_is_a_spike_with_its_evidence(fresh_warehouse):
    warehouse.store_articles(fresh_warehouse, "Outlet A", quiet_month())
    warehouse.store_articles(fresh_warehouse, "Outlet B", pile_up("good", 34))
    warehouse.add_event(
        fresh_warehouse,
        warehouse.Event("helsinki_2023", "Helsinki talks", day(36), day(36), entity_ids=("putin",)),
    )
    warehouse.add_event(fresh_warehouse, warehouse.Event("far_away", "Far away", day(40), day(40)))
    found = warehouse.spike_episodes(fresh_warehouse, entity_ids=["putin"])
    # Day 34: 31 of 40 articles mention Putin (share 0.775) against 0.10 every day before.
    # Robust: (0.775 − 0.10) / (1/40) = 27; chance: expected 0.10 × 40 = 4, so
    # 2·(√31.375 − √4.375) = 2·(5.6013 − 2.0917) = 7.02.
    assert [(episode.episode_id, episode.peak, episode.end) for episode in found] == [
        ("putin:2023-02-04", day(34), day(34))
    ]
    episode = found[0]
    assert (episode.peak_articles, episode.peak_total_articles, episode.peak_share) == (31, 40, 0.775)
    assert episode.baseline_share == 0.1
    assert episode.score == pytest.approx(7.02, abs=0.01)
    # Events within 3 days of the episode: day 36 is, day 40 is not.
    assert [event.event_id for event in episode.events] == ["helsinki_2023"]
    # Thirty titles of one outlet, all different stories ("part 0" … "part 29"): earliest first.
    assert len(episode.headlines) == 5
    assert episode.headlines[0].title == "Putin in Helsinki, part 0"
    # "helsinki" and "part" are in 30 of 31 episode titles and in none of the 28 baseline
    # titles (days 6 to 33): ln((31/33) / (1/30)) = 3.339. "putin" is in every title of both:
    # ln((32/33) / (29/30)) = 0.003, under the 1.5-fold minimum (ln 1.5 = 0.405). "cabinet"
    # is in only one episode title: not enough.
    assert [(term.term, term.log_ratio) for term in episode.rising_terms] == [
        ("helsinki", 3.339),
        ("part", 3.339),
    ]


def test_since_keeps_only_episodes_ending_on_or_after_it(fresh_warehouse):
    warehouse.store_articles(fresh_warehouse, "Outlet A", quiet_month())
    warehouse.store_articles(fresh_warehouse, "Outlet B", pile_up("good", 34))
    assert warehouse.spike_episodes(fresh_warehouse, entity_ids=["putin"], since=day(34)) != []
    assert warehouse.spike_episodes(fresh_warehouse, entity_ids=["putin"], since=day(35)) == []


def test_an_unknown_entity_is_refused(fresh_warehouse):
    warehouse.store_articles(fresh_warehouse, "Outlet A", quiet_month(2))
    with pytest.raises(warehouse.UnknownEntity):
        warehouse.spike_episodes(fresh_warehouse, entity_ids=["nobody"])


def test_an_episode_under_way_on_since_keeps_its_true_start_and_id(fresh_warehouse):
    warehouse.store_articles(fresh_warehouse, "Outlet A", quiet_month(36))
    warehouse.store_articles(fresh_warehouse, "Outlet B", pile_up("first", 34) + pile_up("second", 35))
    # Day 35's past holds day 34 (0.775) among 27 days of 0.10: median 0.10, MAD 0, so it is
    # a spike day too, and days 34 and 35 are one episode.
    (whole,) = warehouse.spike_episodes(fresh_warehouse, entity_ids=["putin"])
    (asked_from_day_35,) = warehouse.spike_episodes(fresh_warehouse, entity_ids=["putin"], since=day(35))
    assert (whole.episode_id, whole.end) == ("putin:2023-02-04", day(35))
    assert asked_from_day_35 == whole
