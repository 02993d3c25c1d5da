"""When two items are one story: guid, link, shared homepage links, same title within 7 days, syndication."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

import warehouse
from warehouse.intake.identity import identity_key, shared_links, syndication_key
from warehouse.rows import FetchedArticle

DAY = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)
HOMEPAGE = "https://daily.example"


def item(title: str, *, guid: str = "", url: str = "", at: datetime = DAY) -> FetchedArticle:
    return FetchedArticle(guid=guid, url=url, title=title, summary="", published_at=at)


def test_identity_is_the_guid_first():
    assert identity_key(item("T", guid="g-1", url="https://x/1")) == "guid:g-1"


def test_without_a_guid_the_canonical_link_is_the_identity():
    assert identity_key(item("T", url="https://x/1")) == "url:https://x/1"


def test_a_shared_link_is_no_identity_and_the_title_and_date_decide():
    shared = frozenset({HOMEPAGE})

    first = identity_key(item("Putin meets Xi", url=HOMEPAGE), shared_links=shared)
    second = identity_key(item("Summit ends", url=HOMEPAGE), shared_links=shared)

    assert first.startswith("hash:") and second.startswith("hash:")
    assert first != second


def test_a_link_carried_by_differently_titled_items_of_one_document_is_shared():
    document = [
        item("Putin meets Xi", url=HOMEPAGE),
        item("Summit ends", url=HOMEPAGE),
        item("Talks resume", url="https://daily.example/talks"),
        item("Talks resume", url="https://daily.example/talks"),  # the same item twice is not sharing
    ]

    assert shared_links(document) == frozenset({HOMEPAGE})


def test_the_syndication_key_ignores_case_punctuation_and_spacing():
    assert syndication_key("Putin meets Xi in Beijing") == syndication_key("  PUTIN meets Xi, in Beijing!  ")
    assert syndication_key("Putin meets Xi in Beijing") != syndication_key("Putin meets Xi in Moscow")


def test_titles_shorter_than_three_words_get_no_syndication_key():
    assert syndication_key("Briefing") is None
    assert syndication_key("Live updates") is None
    assert syndication_key("") is None


def note(summary: str, *, url: str = "", at: datetime | None = None) -> FetchedArticle:
    """An item as RSS 0.92 allows it: a description and nothing else."""
    return FetchedArticle(guid="", url=url, title="", summary=summary, published_at=at)


def test_items_without_title_guid_or_link_are_told_apart_by_their_summary():
    first = identity_key(note("First note."))
    second = identity_key(note("Second note."))

    assert first.startswith("hash:") and second.startswith("hash:")
    assert first != second
    assert identity_key(note("First note.")) == first


def test_a_titled_item_keeps_the_key_it_always_had_whatever_its_summary():
    # The key recorded before untitled items took their summary into the hash:
    # sha256("Putin meets Xi\n2024-06-01T09:00:00+00:00"), first 32 hex digits.
    stored_key = "hash:19e175459779f0e60de0095ce3b88e82"
    titled = FetchedArticle(guid="", url="", title="Putin meets Xi", summary="Talks in Beijing.", published_at=DAY)

    assert identity_key(titled) == stored_key
    assert identity_key(replace(titled, summary="Another summary.")) == stored_key


def test_a_link_carried_by_untitled_items_with_different_summaries_is_shared():
    document = [note("First note.", url=HOMEPAGE), note("Second note.", url=HOMEPAGE)]

    assert shared_links(document) == frozenset({HOMEPAGE})


# --- in a warehouse ---------------------------------------------------------------------


def test_every_item_linking_to_the_homepage_is_stored(fresh_warehouse):
    document = [item(title, url=HOMEPAGE) for title in ("Putin meets Xi", "Summit ends early", "Modi visits Kyiv")]

    assert warehouse.store_articles(fresh_warehouse, "Daily", document) == 3
    assert warehouse.store_articles(fresh_warehouse, "Daily", document) == 0


def test_the_same_title_from_one_outlet_within_7_days_is_one_story(fresh_warehouse):
    original = item("Putin meets Xi in Beijing", url="https://daily.example/world/putin-xi")
    # The same story through the outlet's other feed: another link, another spelling of the headline.
    again = item("PUTIN MEETS XI IN BEIJING", url="https://daily.example/front/123", at=DAY + timedelta(days=6))
    weeks_later = item("Putin meets Xi in Beijing", url="https://daily.example/2024/06/09", at=DAY + timedelta(days=8))

    stored = [
        warehouse.store_articles(fresh_warehouse, "Daily", [article]) for article in (original, again, weeks_later)
    ]

    assert stored == [1, 0, 1]


def test_the_7_day_window_reaches_both_ways_and_includes_its_last_instant(fresh_warehouse):
    # A recurring headline with many stored copies: only those within 7 days of the new item count.
    recurring = "Morning briefing for our readers"
    for week in range(0, 40, 2):
        warehouse.store_articles(
            fresh_warehouse,
            "Daily",
            [item(recurring, url=f"https://daily.example/b/{week}", at=DAY + timedelta(weeks=week))],
        )
    exactly_a_week_after = item(recurring, url="https://daily.example/b/x", at=DAY + timedelta(weeks=1))
    three_days_before = item(recurring, url="https://daily.example/b/y", at=DAY - timedelta(days=3))
    # The last stored copy is from week 38; a week and a second after it is a new story.
    a_week_and_a_second_after = item(
        recurring, url="https://daily.example/b/z", at=DAY + timedelta(weeks=39, seconds=1)
    )

    stored = [
        warehouse.store_articles(fresh_warehouse, "Daily", [article])
        for article in (exactly_a_week_after, three_days_before, a_week_and_a_second_after)
    ]

    assert stored == [0, 0, 1]


def test_the_same_title_twice_in_one_document_is_stored_once(fresh_warehouse):
    document = [
        item("Putin meets Xi in Beijing", url="https://daily.example/a"),
        item("Putin meets Xi in Beijing", url="https://daily.example/b", at=DAY + timedelta(hours=2)),
    ]

    assert warehouse.store_articles(fresh_warehouse, "Daily", document) == 1


def test_items_with_guids_are_never_merged_by_title(fresh_warehouse):
    # Recurring headline templates are distinct stories when the publisher gives distinct guids.
    document = [
        item("Morning briefing for Monday readers", guid=f"brief-{n}", at=DAY + timedelta(days=n)) for n in range(3)
    ]

    assert warehouse.store_articles(fresh_warehouse, "Daily", document) == 3


def test_short_titles_are_never_merged(fresh_warehouse):
    document = [item("Briefing", url=f"https://daily.example/brief/{n}", at=DAY + timedelta(hours=n)) for n in range(3)]

    assert warehouse.store_articles(fresh_warehouse, "Daily", document) == 3


def test_syndicated_copies_are_kept_per_outlet_and_counted_as_copies(fresh_warehouse):
    wire = "Earthquake shakes central Italy"
    warehouse.store_articles(
        fresh_warehouse, "Daily", [item(wire, guid="d1"), item("Local election results", guid="d2")]
    )
    warehouse.store_articles(fresh_warehouse, "Post", [item(wire.upper() + ".", guid="p1")])
    warehouse.store_articles(fresh_warehouse, "Herald", [item("Parliament debates the budget", guid="h1")])

    frame = warehouse.coverage_originality(fresh_warehouse, date(2024, 6, 1), date(2024, 6, 1))

    assert warehouse.corpus_facts(fresh_warehouse).articles == 4
    assert [tuple(row) for row in frame.itertuples(index=False)] == [
        ("Daily", 2, 1, 1),
        ("Herald", 1, 0, 1),
        ("Post", 1, 1, 0),
    ]


def test_two_description_only_notes_are_two_stories(fresh_warehouse):
    document = [note("First note.", at=DAY), note("Second note.", at=DAY)]

    assert warehouse.store_articles(fresh_warehouse, "Notes", document) == 2
    assert warehouse.store_articles(fresh_warehouse, "Notes", document) == 0


def _syndication_key_as_first_written(title: str) -> str | None:
    """The key as stored articles have it: words found by splitting at runs of non-word characters."""
    words = re.sub(r"[^\w]+", " ", unicodedata.normalize("NFKC", title).casefold()).split()
    if len(words) < 3:
        return None
    return hashlib.sha256(" ".join(words).encode()).hexdigest()[:20]


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=60))
def test_the_syndication_key_of_any_title_is_the_one_stored_articles_have(title: str):
    assert syndication_key(title) == _syndication_key_as_first_written(title)


def test_the_syndication_key_splits_words_at_every_kind_of_space_and_mark():
    every_character = "".join(chr(code) for code in range(0x110000) if not 0xD800 <= code <= 0xDFFF)
    assert syndication_key(every_character) == _syndication_key_as_first_written(every_character)
