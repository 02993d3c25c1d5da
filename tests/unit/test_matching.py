"""The counting rules of the watchlist, case by case, with counts worked out by hand."""

from __future__ import annotations

import pytest

from tests.conftest import SHIPPED_WATCHLIST
from warehouse.counting.watchlist import load_watchlist, parse_watchlist
from warehouse.errors import WatchlistInvalid

WATCHLIST = load_watchlist(SHIPPED_WATCHLIST)


def counts(title: str, summary: str = "") -> dict[str, int]:
    return {m.entity_id: m.occurrences for m in WATCHLIST.find_mentions(title, summary)}


def test_whole_word_name_counts_once():
    assert counts("Putin arrives in Helsinki") == {"putin": 1}


def test_name_inside_another_word_is_not_a_mention():
    assert counts("Putinism and Trumpian politics") == {}


def test_lower_case_trump_card_is_not_trump():
    assert counts("She played her trump card") == {}


def test_possessive_counts_as_a_mention():
    assert counts("Putin's press secretary and Trump’s lawyer") == {"putin": 1, "trump": 1}


def test_hyphenated_compound_mentions_both_leaders():
    assert counts("Trump-Putin summit ends") == {"trump": 1, "putin": 1}


def test_full_name_counts_once_not_twice():
    # "Vladimir Putin" is one occurrence although the alias "Putin" sits inside it.
    assert counts("Vladimir Putin spoke; later Putin left") == {"putin": 2}


def test_family_member_is_not_the_leader_but_the_leader_nearby_still_counts():
    # Melania Trump is excluded at her place only; the second "Trump" is the president.
    assert counts("Melania Trump waved as Trump spoke") == {"trump": 1}


def test_donald_trump_jr_is_not_trump():
    assert counts("Donald Trump Jr. testifies") == {}


def test_xian_is_not_xi_but_xis_possessive_is():
    assert counts("Flights to Xi'an resume", "Xi's visit was delayed") == {"xi": 1}


def test_title_and_summary_add_up_and_title_is_flagged():
    mentions = WATCHLIST.find_mentions("Zelenskyy meets Macron", "Zelensky and Macron discussed Crimea.")
    found = {m.entity_id: (m.occurrences, m.in_title) for m in mentions}
    assert found == {"zelensky": (2, True), "macron": (2, True), "crimea": (1, False)}


def test_theme_word_forms_and_any_case():
    # sanction*, case-insensitive: Sanctions, sanctioned, SANCTIONS = 3; "sanctity" is not a form.
    assert counts("Sanctions widen", "banks sanctioned; SANCTIONS bite; the sanctity of law") == {"sanctions": 3}


def test_russian_inflected_forms_match_word_forms_alias():
    # Путин* covers Путина and Путину; "Путин" alone too: 3.
    assert counts("Путин и Трамп", "встреча Путина, письмо Путину") == {"putin": 3, "trump": 1}


def test_chinese_name_matches_without_spaces():
    assert counts("习近平会见普京") == {"xi": 1, "putin": 1}


def test_nato_in_lower_case_is_not_the_alliance():
    assert counts("NATO allies meet", "a nato-style arrangement") == {"nato": 1}


def test_custom_watchlist_alias_case_insensitive_when_asked():
    watchlist = parse_watchlist(
        '[[leader]]\nid = "kim"\nname = "Kim"\naliases = ["Kim Jong Un"]\ncase_sensitive = false\n'
    )
    assert [(m.entity_id, m.occurrences) for m in watchlist.find_mentions("KIM JONG UN speaks", "")] == [("kim", 1)]


def test_watchlist_hash_changes_when_an_alias_is_added():
    base = '[[theme]]\nid = "gas"\nname = "Gas"\naliases = ["gas"]\n'
    edited = '[[theme]]\nid = "gas"\nname = "Gas"\naliases = ["gas", "LNG"]\n'
    assert parse_watchlist(base).content_hash != parse_watchlist(edited).content_hash


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[leader]]\nid = 'Bad Id'\naliases = ['x']\n", "id must be"),
        ("[[leader]]\nid = 'a'\naliases = []\n", "at least one alias"),
        ("[[leader]]\nid = 'a'\naliases = ['x']\n[[leader]]\nid = 'a'\naliases = ['y']\n", "appears twice"),
        ("[[leader]\n", "not valid TOML"),
        ("[[person]]\nid = 'a'\n", "unknown section"),
    ],
)
def test_broken_watchlist_is_refused_with_a_reason(text: str, message: str):
    with pytest.raises(WatchlistInvalid, match=message):
        parse_watchlist(text)


def test_explain_shows_the_exclusion_that_cancelled_a_hit():
    hits = WATCHLIST.explain("Melania Trump and Trump", "")
    trump_hits = [(hit.text, hit.excluded_by) for hit in hits if hit.entity_id == "trump"]
    assert trump_hits == [("Trump", "Melania Trump"), ("Trump", None)]
