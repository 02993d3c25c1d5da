"""Feed dates: zone abbreviations outside RFC 822, localised names, impossible dates, read alike by both readers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from feedparser.datetimes import _parse_date
from hypothesis import given
from hypothesis import strategies as st

from ingest import parse_feed
from ingest.dates import ZONE_OFFSETS, read_date, usable_date
from ingest.parsing import _parsed_feed, parse_with_feedparser
from ingest.xml_reader import read_well_formed

FETCHED_AT = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def utc(text: str) -> datetime | None:
    parsed = read_date(text)
    return datetime(*parsed[:6], tzinfo=UTC) if parsed is not None else None


# --- zone abbreviations -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("MSK", datetime(2024, 5, 6, 9, 0, tzinfo=UTC)),  # Moscow, UTC+3
        ("CET", datetime(2024, 5, 6, 11, 0, tzinfo=UTC)),
        ("CEST", datetime(2024, 5, 6, 10, 0, tzinfo=UTC)),
        ("EET", datetime(2024, 5, 6, 10, 0, tzinfo=UTC)),
        ("EEST", datetime(2024, 5, 6, 9, 0, tzinfo=UTC)),
        ("BST", datetime(2024, 5, 6, 11, 0, tzinfo=UTC)),  # British Summer Time, UTC+1
        ("JST", datetime(2024, 5, 6, 3, 0, tzinfo=UTC)),
        ("KST", datetime(2024, 5, 6, 3, 0, tzinfo=UTC)),
        ("HKT", datetime(2024, 5, 6, 4, 0, tzinfo=UTC)),
        ("SGT", datetime(2024, 5, 6, 4, 0, tzinfo=UTC)),
        ("AEST", datetime(2024, 5, 6, 2, 0, tzinfo=UTC)),
        ("AEDT", datetime(2024, 5, 6, 1, 0, tzinfo=UTC)),
        ("ACST", datetime(2024, 5, 6, 2, 30, tzinfo=UTC)),  # UTC+9:30
        ("NZDT", datetime(2024, 5, 5, 23, 0, tzinfo=UTC)),  # UTC+13: the day before
        ("NST", datetime(2024, 5, 6, 15, 30, tzinfo=UTC)),  # Newfoundland, UTC-3:30
        ("HST", datetime(2024, 5, 6, 22, 0, tzinfo=UTC)),  # Hawaii, UTC-10
    ],
)
def test_a_zone_abbreviation_news_feeds_use_is_read_with_its_offset(zone: str, expected: datetime):
    assert utc(f"Mon, 06 May 2024 12:00:00 {zone}") == expected


def test_zone_abbreviations_are_read_in_any_case_and_without_seconds():
    assert utc("Mon, 06 May 2024 12:00 msk") == datetime(2024, 5, 6, 9, 0, tzinfo=UTC)


def test_feedparsers_own_zone_names_keep_their_meaning():
    assert utc("Mon, 06 May 2024 12:00:00 EST") == datetime(2024, 5, 6, 17, 0, tzinfo=UTC)
    assert utc("Mon, 06 May 2024 12:00:00 MEST") == datetime(2024, 5, 6, 10, 0, tzinfo=UTC)
    assert utc("Mon, 06 May 2024 12:00:00 CST") == datetime(2024, 5, 6, 18, 0, tzinfo=UTC)  # US Central


@pytest.mark.parametrize("zone", ["IST", "GST", "SST"])
def test_abbreviations_naming_several_zones_are_not_guessed_at(zone: str):
    # IST is India, Ireland or Israel; none is picked, so feedparser reads it as it reads any unknown zone (UTC).
    assert zone.lower() not in ZONE_OFFSETS
    assert utc(f"Mon, 06 May 2024 12:00:00 {zone}") == datetime(2024, 5, 6, 12, 0, tzinfo=UTC)


def test_a_zone_name_after_a_numeric_offset_does_not_move_the_time():
    assert utc("Mon, 06 May 2024 12:00:00 +0300 MSK") == datetime(2024, 5, 6, 9, 0, tzinfo=UTC)


# --- localised names --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Пн, 06 May 2024 12:00:00 +0300", datetime(2024, 5, 6, 9, 0, tzinfo=UTC)),  # Russian weekday
        ("Пн, 06 мая 2024 12:00:00 +0300", datetime(2024, 5, 6, 9, 0, tzinfo=UTC)),  # Russian, genitive month
        ("ВТ, 07 МАЯ 2024 12:00:00 MSK", datetime(2024, 5, 7, 9, 0, tzinfo=UTC)),
        ("Вс, 01 дек 2024 08:30:00 +0300", datetime(2024, 12, 1, 5, 30, tzinfo=UTC)),
        ("понеділок, 06 травня 2024 12:00:00 +0300", datetime(2024, 5, 6, 9, 0, tzinfo=UTC)),  # Ukrainian
        ("П'ятниця, 10 травня 2024 12:00:00 EEST", datetime(2024, 5, 10, 9, 0, tzinfo=UTC)),
        ("Нд, 24 серп 2025 10:00:00 +0300", datetime(2025, 8, 24, 7, 0, tzinfo=UTC)),
        ("Mo, 06 Mai 2024 12:00:00 +0200", datetime(2024, 5, 6, 10, 0, tzinfo=UTC)),  # German
        ("Di, 7. Mär 2023 08:00:00 MEZ", datetime(2023, 3, 7, 7, 0, tzinfo=UTC)),
        ("Donnerstag, 12 Dezember 2024 18:00:00 +0100", datetime(2024, 12, 12, 17, 0, tzinfo=UTC)),
        ("lun., 06 mai 2024 12:00:00 +0200", datetime(2024, 5, 6, 10, 0, tzinfo=UTC)),  # French
        ("jeu. 15 févr. 2024 09:00:00 CET", datetime(2024, 2, 15, 8, 0, tzinfo=UTC)),
        ("sam., 17 août 2024 20:00:00 +0200", datetime(2024, 8, 17, 18, 0, tzinfo=UTC)),
        ("mié, 08 ene 2025 10:00:00 +0100", datetime(2025, 1, 8, 9, 0, tzinfo=UTC)),  # Spanish
        ("Jueves, 19 Diciembre 2024 23:00:00 -0300", datetime(2024, 12, 20, 2, 0, tzinfo=UTC)),
    ],
)
def test_localised_weekday_and_month_names_are_read(text: str, expected: datetime):
    assert utc(text) == expected


def test_a_localised_date_that_no_calendar_has_gives_no_date():
    assert utc("Пт, 31 февраля 2024 10:00:00 +0300") is None


def test_a_word_that_is_no_weekday_does_not_make_a_date():
    assert utc("Posted 06 Mai 2024 10:00:00 +0200") is None


# --- impossible dates -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "2024-13-45T10:00:00Z",  # month 13, day 45
        "2024-02-30",
        "2023-02-29T08:00:00Z",  # 2023 is no leap year
        "2024-00-10",
        "2024-05-06T10:61:00Z",
        "2024-05-06T25:00:00+02:00",
        "2024-13",
    ],
)
def test_a_numeric_date_no_calendar_has_gives_no_date(text: str):
    assert read_date(text) is None


def test_the_leap_day_of_a_leap_year_is_a_date():
    assert utc("2024-02-29T08:00:00Z") == datetime(2024, 2, 29, 8, 0, tzinfo=UTC)


def test_twenty_four_hundred_is_the_end_of_the_day_as_iso_8601_allows():
    assert utc("2024-05-06T24:00:00Z") == datetime(2024, 5, 7, 0, 0, tzinfo=UTC)


def test_an_impossible_pubdate_leaves_the_updated_date_to_stand_in():
    body = b"""<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>t</title>
    <item><guid>1</guid><title>A</title><pubDate>2024-13-45T10:00:00Z</pubDate>
    <dc:date>2024-05-07T10:00:00+02:00</dc:date></item></channel></rss>"""

    (article,) = parse_feed(body, fetched_at=FETCHED_AT).articles

    assert article.published_at == datetime(2024, 5, 7, 8, 0, tzinfo=UTC)


# --- both readers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "date_text",
    [
        "Mon, 06 May 2024 12:00:00 MSK",
        "Mon, 06 May 2024 12:00:00 IST",
        "Пн, 06 мая 2024 12:00:00 +0300",
        "Mo, 06 Mai 2024 12:00:00 CEST",
        "2024-13-45T10:00:00Z",
        "2024-02-30",
    ],
)
def test_fast_reader_and_feedparser_read_these_dates_alike(date_text: str):
    body = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        f"<item><guid>1</guid><title>A</title><pubDate>{date_text}</pubDate></item></channel></rss>"
    ).encode()
    fast = read_well_formed(body)
    assert fast is not None

    assert _parsed_feed(fast, FETCHED_AT) == _parsed_feed(parse_with_feedparser(body), FETCHED_AT)


# --- the fast path for the two common shapes gives what feedparser's handlers give ---------------

_TWO_DIGITS = st.integers(min_value=0, max_value=99).map(lambda n: f"{n:02d}")


@given(
    weekday=st.sampled_from(["", "Mon, ", "Sun, ", "Wed, "]),
    day=st.integers(min_value=0, max_value=39).map(str),
    month=st.sampled_from(["Jan", "Feb", "Jun", "Dec"]),
    year=st.integers(min_value=1, max_value=9999).map(lambda n: f"{n:04d}"),
    clock=st.tuples(_TWO_DIGITS, _TWO_DIGITS, _TWO_DIGITS).map(":".join),
    zone=st.one_of(
        st.sampled_from(["GMT", "UT", "UTC", "Z"]),
        st.tuples(st.sampled_from("+-"), _TWO_DIGITS, _TWO_DIGITS).map("".join),
    ),
)
def test_common_rfc_822_dates_are_read_as_feedparser_reads_them(weekday, day, month, year, clock, zone):
    text = f"{weekday}{day} {month} {year} {clock} {zone}"
    assert read_date(text) == usable_date(_parse_date(text))


@given(
    day=st.tuples(st.integers(min_value=1, max_value=9999).map(lambda n: f"{n:04d}"), _TWO_DIGITS, _TWO_DIGITS).map(
        "-".join
    ),
    clock=st.tuples(_TWO_DIGITS, _TWO_DIGITS, _TWO_DIGITS).map(":".join),
    fraction=st.sampled_from(["", ".0", ".999", ".123456"]),
    zone=st.one_of(st.just("Z"), st.tuples(st.sampled_from("+-"), _TWO_DIGITS, st.just(":"), _TWO_DIGITS).map("".join)),
)
def test_common_w3c_dates_are_read_as_feedparser_reads_them(day, clock, fraction, zone):
    text = f"{day}T{clock}{fraction}{zone}"
    assert read_date(text) == usable_date(_parse_date(text))
