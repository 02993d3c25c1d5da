"""The demo corpus: deterministic, shaped like real coverage, and honest to the matcher.

Counts are taken with the real watchlist matcher, so "coverage of Putin" here
means what the warehouse will count, not what the generator intended.
"""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from ingest import demo_outlets, generate_day, generate_history, live_items
from ingest.demo.text import (
    HEADLINE_TEMPLATE_COUNT,
    LEADER_IDS,
    PICK_COUNT,
    SUMMARY_TEMPLATE_COUNT,
    THEME_IDS,
    compose_story,
)
from tests.conftest import SHIPPED_WATCHLIST
from warehouse.counting.watchlist import load_watchlist

WATCHLIST = load_watchlist(SHIPPED_WATCHLIST)
HELSINKI = date(2018, 7, 16)
APEC_DA_NANG = date(2017, 11, 11)


def end_of(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=UTC)


def stories(seed: int, first: date, last: date, articles_per_day: float = 80.0):
    return list(generate_history(seed, first, end_of(last), articles_per_day))


def mentions_of(entity_id: str, title: str, summary: str) -> bool:
    return any(m.entity_id == entity_id for m in WATCHLIST.find_mentions(title, summary))


def daily_counts(entity_id: str, first: date, last: date, seed: int = 5) -> Counter[date]:
    counts: Counter[date] = Counter()
    for _, article in stories(seed, first, last):
        if mentions_of(entity_id, article.title, article.summary):
            counts[article.published_at.date()] += 1
    return counts


def mean_per_day(counts: Counter[date], first: date, days: int) -> float:
    return sum(counts[first + timedelta(days=offset)] for offset in range(days)) / days


# --- determinism ---------------------------------------------------------------


def test_same_seed_gives_byte_identical_articles():
    first = stories(7, HELSINKI - timedelta(days=2), HELSINKI + timedelta(days=2))
    again = stories(7, HELSINKI - timedelta(days=2), HELSINKI + timedelta(days=2))
    assert repr(first) == repr(again)
    assert len(first) > 200


def test_different_seeds_give_different_articles():
    seven = stories(7, HELSINKI, HELSINKI)
    eight = stories(8, HELSINKI, HELSINKI)
    assert [a.title for _, a in seven] != [a.title for _, a in eight]


def test_a_day_generated_alone_equals_that_day_inside_a_longer_history():
    history = stories(7, HELSINKI - timedelta(days=20), HELSINKI + timedelta(days=5))
    inside = [(name, a) for name, a in history if a.published_at.date() == HELSINKI]
    assert inside == generate_day(7, HELSINKI)


def test_history_stops_at_end_inclusive():
    end = datetime(2018, 7, 16, 12, 0, tzinfo=UTC)
    items = list(generate_history(7, HELSINKI, end))
    assert items
    assert max(a.published_at for _, a in items) <= end
    assert len(items) < len(generate_day(7, HELSINKI))


def test_guids_and_urls_are_unique_and_follow_the_documented_shape():
    items = stories(3, date(2022, 2, 20), date(2022, 3, 5))
    guids = [a.guid for _, a in items]
    urls = [a.url for _, a in items]
    assert len(set(guids)) == len(guids)
    assert len(set(urls)) == len(urls)
    slugs = {o.name: o for o in demo_outlets()}
    for name, article in items[:50]:
        outlet = slugs[name]
        day = article.published_at.strftime("%Y%m%d")
        assert article.guid.startswith(f"demo:3:{outlet.slug}:{day}:")
        assert article.url.startswith(f"https://{outlet.slug}.example/{article.published_at:%Y/%m/%d}/")


def test_each_outlet_numbers_its_stories_of_a_day_from_one_in_time_order():
    by_outlet: dict[str, list] = {}
    for name, article in generate_day(3, HELSINKI):
        by_outlet.setdefault(name, []).append(article)
    for articles in by_outlet.values():
        numbers = [int(a.guid.rsplit(":", 1)[1]) for a in articles]
        assert numbers == list(range(1, len(articles) + 1))
        assert [a.published_at for a in articles] == sorted(a.published_at for a in articles)


# --- shape of coverage -----------------------------------------------------------


def test_weekends_carry_fewer_articles_than_weekdays_over_a_year():
    per_day = Counter(a.published_at.date() for _, a in stories(5, date(2019, 1, 1), date(2019, 12, 31), 20))
    weekend = [count for day, count in per_day.items() if day.weekday() >= 5]
    weekday = [count for day, count in per_day.items() if day.weekday() < 5]
    # The model publishes about 40% less on Saturdays and Sundays; demand at least 25%.
    assert sum(weekend) / len(weekend) < 0.75 * sum(weekday) / len(weekday)


def test_putin_coverage_in_the_three_days_after_helsinki_is_far_above_the_month_before():
    counts = daily_counts("putin", HELSINKI - timedelta(days=28), HELSINKI + timedelta(days=2))
    before = mean_per_day(counts, HELSINKI - timedelta(days=28), 28)
    after = mean_per_day(counts, HELSINKI, 3)
    assert before > 1  # Putin is always somewhat in the news
    assert after > 3 * before


def test_a_big_summit_moves_coverage_more_than_a_side_meeting():
    helsinki = daily_counts("putin", HELSINKI - timedelta(days=28), HELSINKI)
    da_nang = daily_counts("putin", APEC_DA_NANG - timedelta(days=28), APEC_DA_NANG)
    helsinki_lift = helsinki[HELSINKI] / mean_per_day(helsinki, HELSINKI - timedelta(days=28), 28)
    da_nang_lift = da_nang[APEC_DA_NANG] / mean_per_day(da_nang, APEC_DA_NANG - timedelta(days=28), 28)
    assert helsinki_lift > 1.5 * da_nang_lift


def test_zelensky_is_absent_in_2017_and_prominent_in_2022():
    def share(year: int) -> tuple[int, int]:
        sample = [date(year, 1, 3) + timedelta(days=9 * k) for k in range(40)]
        articles = [a for day in sample for _, a in generate_day(5, day)]
        hits = sum(mentions_of("zelensky", a.title, a.summary) for a in articles)
        return hits, len(articles)

    hits_2017, total_2017 = share(2017)
    hits_2022, total_2022 = share(2022)
    assert hits_2017 == 0
    assert hits_2022 / total_2022 > 0.05
    assert total_2017 > 2000


def test_the_invasion_makes_the_war_a_lasting_story():
    counts = daily_counts("ukraine_war", date(2022, 2, 1), date(2022, 4, 30))
    before = mean_per_day(counts, date(2022, 2, 1), 14)
    first_week = mean_per_day(counts, date(2022, 2, 24), 7)
    two_months_on = mean_per_day(counts, date(2022, 4, 24), 7)
    assert first_week > 8 * before
    assert two_months_on > 3 * before


# --- text ------------------------------------------------------------------------


def test_there_are_at_least_thirty_headline_and_twenty_summary_templates():
    assert HEADLINE_TEMPLATE_COUNT >= 30
    assert SUMMARY_TEMPLATE_COUNT >= 20


def test_text_is_plain_with_no_markup():
    for _, article in stories(9, date(2025, 8, 10), date(2025, 8, 20)):
        for text in (article.title, article.summary):
            assert "<" not in text and ">" not in text and "&" not in text
            assert text == text.strip() and text[0].isupper()


def test_outlets_write_names_in_their_own_house_style():
    spellings: dict[str, Counter[str]] = {}
    for name, article in stories(4, date(2022, 2, 24), date(2022, 3, 10)):
        for word in ("Zelenskyy", "Zelenskiy", "Zelensky"):
            if f"{word} " in article.title + " " or f"{word}'s" in article.title:
                spellings.setdefault(name, Counter())[word] += 1
                break
    assert set(spellings["The Meridian Ledger (demo)"]) == {"Zelenskyy"}
    assert set(spellings["The Continental Review (demo)"]) == {"Zelenskiy"}
    assert set(spellings["Lakeside Tribune (demo)"]) == {"Zelensky"}


def test_possessives_and_hyphenated_compounds_appear_around_a_summit():
    titles = [a.title for _, a in stories(4, HELSINKI - timedelta(days=3), HELSINKI + timedelta(days=3))]
    assert any("Putin's" in title or "Trump's" in title for title in titles)
    assert any("Trump-Putin" in title or "Putin-Trump" in title or "Trump–Putin" in title for title in titles)


def test_some_stories_mention_no_one_and_traps_mention_no_one_either():
    items = stories(6, date(2019, 6, 1), date(2019, 7, 31))
    unwatched = [a for _, a in items if not WATCHLIST.find_mentions(a.title, a.summary)]
    traps = [a for a in unwatched if any(t in a.title for t in ("trump card", "Xi'an", "Melania Trump"))]
    assert len(unwatched) > 0.3 * len(items)
    assert traps, "traps for the matcher appear in two months of stories"


@pytest.mark.parametrize("outlet", demo_outlets(), ids=lambda outlet: outlet.slug)
def test_a_story_drawn_for_entities_mentions_exactly_those_entities(outlet):
    day = date(2022, 6, 1)
    entity_ids = sorted(LEADER_IDS | THEME_IDS)
    for index, (primary, secondary) in enumerate(
        itertools.chain(
            ((entity_id, None) for entity_id in entity_ids),
            zip(entity_ids, entity_ids[7:] + entity_ids[:7], strict=True),
        )
    ):
        for pick in range(6):
            picks = [pick * 7 + index + slot * 3 for slot in range(PICK_COUNT)]
            title, summary = compose_story(
                outlet=outlet, day=day, primary=primary, secondary=secondary, hook=None, trap=None, picks=picks
            )
            found = {m.entity_id for m in WATCHLIST.find_mentions(title, summary)}
            assert found == {primary, secondary} - {None}, (title, summary)


@pytest.mark.parametrize("trap", range(9))
def test_every_trap_names_no_watched_entity(trap):
    for pick in range(4):
        title, summary = compose_story(
            outlet=demo_outlets()[0],
            day=date(2024, 5, 5),
            primary=None,
            secondary=None,
            hook=None,
            trap=trap,
            picks=[pick] * PICK_COUNT,
        )
        assert WATCHLIST.find_mentions(title, summary) == [], title


# --- the live trickle ------------------------------------------------------------


def test_live_items_are_one_per_whole_minute_after_since_up_to_until():
    since = datetime(2025, 8, 15, 12, 0, 30, tzinfo=UTC)
    until = datetime(2025, 8, 15, 12, 10, 0, tzinfo=UTC)
    items = live_items(3, since, until)
    # 12:01, 12:02, ..., 12:10: ten minutes, the last one included.
    assert [a.published_at.strftime("%H:%M:%S") for _, a in items] == [f"12:{minute:02d}:00" for minute in range(1, 11)]


def test_a_live_item_on_the_since_minute_itself_is_not_repeated():
    start = datetime(2025, 8, 15, 12, 0, tzinfo=UTC)
    assert len(live_items(3, start, start + timedelta(minutes=3))) == 3
    assert live_items(3, start, start) == []


def test_live_items_are_deterministic_and_independent_of_the_window():
    start = datetime(2025, 8, 15, 12, 0, tzinfo=UTC)
    long_window = live_items(3, start, start + timedelta(minutes=60))
    short_window = live_items(3, start + timedelta(minutes=29), start + timedelta(minutes=31))
    assert short_window == long_window[29:31]
    assert live_items(3, start, start + timedelta(minutes=60)) == long_window
    assert live_items(4, start, start + timedelta(minutes=60)) != long_window


def test_live_guids_name_seed_and_minute():
    start = datetime(2025, 8, 15, 12, 0, tzinfo=UTC)
    ((_, article),) = live_items(3, start, start + timedelta(minutes=1))
    assert article.guid == f"demo-live:3:{int(start.timestamp()) + 60}"


def test_live_items_spread_over_all_outlets():
    start = datetime(2025, 8, 15, 0, 0, tzinfo=UTC)
    names = {name for name, _ in live_items(3, start, start + timedelta(hours=6))}
    assert names == {outlet.name for outlet in demo_outlets()}


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        list(generate_history(1, HELSINKI, datetime(2018, 7, 17)))
