"""Feed dates: feedparser's date reader, taught what real news feeds write and kept from inventing dates.

Both readers read dates with feedparser's `_parse_date`. Importing this module
registers one more handler with feedparser (`feedparser.registerDateHandler`), tried
before feedparser's own, so the fast reader and feedparser itself read every date
alike. It adds three rules:

- Zone abbreviations outside RFC 822 that news feeds use (MSK, CEST, EEST, JST...)
  are read with their offsets; feedparser reads every zone it does not know as UTC.
  Only abbreviations with one meaning in news feeds are listed (see `ZONE_OFFSETS`).
- Weekday and month names in German, French, Spanish, Italian, Dutch, Portuguese,
  Russian and Ukrainian ("Пн, 06 мая 2024", "Mo, 06 Mai 2024") are read as the English ones.
- A numeric date no calendar has ("2024-13-45") gives no date; feedparser's ISO 8601
  reader would roll it over into a plausible wrong one (2025-01-01).
"""

from __future__ import annotations

import re
import time
import unicodedata
from datetime import datetime, timedelta

import feedparser
from feedparser.datetimes import _parse_date

__all__ = ["IMPOSSIBLE_DATE", "ZONE_OFFSETS", "read_date", "usable_date"]

# What the handler returns for a date no calendar has. Returning None would only
# pass the text on to feedparser's other handlers, which roll it over; this marker
# stops them, and `usable_date` turns it into None. No real date has year 0.
IMPOSSIBLE_DATE = time.struct_time((0,) * 9)

# Minutes east of UTC. Left out on purpose, because news feeds use them for
# different zones: IST (India +05:30, Ireland +01:00, Israel +02:00), CST (feedparser
# reads US Central; China +08:00), AST (feedparser reads Atlantic; Arabia +03:00),
# GST (Gulf +04:00, South Georgia -02:00), SST (Samoa -11:00, Singapore +08:00).
# BST is British Summer Time: Bangladeshi outlets write +0600, not BST.
# feedparser's own names (UT, GMT, Z, the US zones, MET, MEST, military letters) stay its own.
ZONE_OFFSETS: dict[str, int] = {
    # Europe
    "wet": 0, "west": 60, "bst": 60, "cet": 60, "cest": 120, "mez": 60, "mesz": 120,
    "eet": 120, "eest": 180, "msk": 180, "msd": 240, "trt": 180,
    # Africa
    "wat": 60, "cat": 120, "sast": 120, "eat": 180,
    # Asia
    "pkt": 300, "npt": 345, "ict": 420, "wib": 420, "wita": 480, "wit": 540, "hkt": 480, "sgt": 480,
    "myt": 480, "pht": 480, "jst": 540, "kst": 540,
    # Australia and New Zealand
    "awst": 480, "acst": 570, "acdt": 630, "aest": 600, "aedt": 660, "nzst": 720, "nzdt": 780,
    # Americas (the US zones are feedparser's)
    "hst": -600, "akst": -540, "akdt": -480, "nst": -210, "ndt": -150, "brt": -180, "art": -180,
}  # fmt: skip

_ENGLISH_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# Every name a month goes by in a dated line, by month number: English, German,
# French, Spanish, Italian, Dutch, Portuguese, then Russian and Ukrainian (which name
# the month in the genitive in a date: "6 мая", "6 травня").
_MONTH_NAMES: dict[int, tuple[str, ...]] = {
    1: ("jan", "january", "januar", "jän", "jänner", "janv", "janvier", "ene", "enero", "gen", "gennaio",
        "januari", "janeiro", "янв", "январь", "января", "січ", "січень", "січня"),
    2: ("feb", "february", "februar", "fév", "févr", "février", "fev", "fevr", "fevrier", "febrero", "febbraio",
        "februari", "fevereiro", "фев", "февр", "февраль", "февраля", "лют", "лютий", "лютого"),
    3: ("mar", "march", "mär", "märz", "mrz", "maerz", "mars", "marzo", "mrt", "maart", "março", "marco",
        "мар", "март", "марта", "бер", "берез", "березень", "березня"),
    4: ("apr", "april", "avr", "avril", "abr", "abril", "aprile", "апр", "апрель", "апреля", "квіт", "кві",
        "квітень", "квітня"),
    5: ("may", "mai", "mayo", "mag", "maggio", "mei", "maio", "май", "мая", "трав", "тра", "травень",
        "травня"),
    6: ("jun", "june", "juni", "juin", "junio", "giu", "giugno", "junho", "июн", "июнь", "июня", "черв",
        "чер", "червень", "червня"),
    7: ("jul", "july", "juli", "juil", "juillet", "julio", "lug", "luglio", "julho", "июл", "июль", "июля",
        "лип", "липень", "липня"),
    8: ("aug", "august", "aoû", "aou", "août", "aout", "ago", "agosto", "augustus", "авг", "август",
        "августа", "серп", "сер", "серпень", "серпня"),
    9: ("sep", "sept", "september", "septembre", "set", "septiembre", "setiembre", "settembre", "setembro",
        "сен", "сент", "сентябрь", "сентября", "вер", "верес", "вересень", "вересня"),
    10: ("oct", "october", "okt", "oktober", "octobre", "octubre", "ott", "ottobre", "out", "outubro",
         "окт", "октябрь", "октября", "жовт", "жов", "жовтень", "жовтня"),
    11: ("nov", "november", "novembre", "noviembre", "novembro", "ноя", "нояб", "ноябрь", "ноября",
         "лист", "лис", "листопад", "листопада"),
    12: ("dec", "december", "dez", "dezember", "déc", "décembre", "decembre", "dic", "diciembre",
         "dicembre", "dezembro", "дек", "декабрь", "декабря", "груд", "гру", "грудень", "грудня"),
}  # fmt: skip
_MONTHS = {name: number for number, names in _MONTH_NAMES.items() for name in names}
# feedparser reads a month by its first three letters.
_READ_BY_FEEDPARSER = {name for name, number in _MONTHS.items() if name[:3] == _ENGLISH_MONTHS[number - 1]}

# feedparser ignores the weekday (a wrong one does not spoil a date), so only whether a
# word is one matters, not which day it names.
_ENGLISH_WEEKDAYS = frozenset(
    {"mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun"}
    | {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
)
_WEEKDAYS = _ENGLISH_WEEKDAYS | frozenset(
    {
        # German
        "mo", "di", "mi", "do", "fr", "sa", "so", "montag", "dienstag", "mittwoch", "donnerstag", "freitag",
        "samstag", "sonnabend", "sonntag",
        # French
        "lun", "mar", "mer", "jeu", "ven", "sam", "dim", "lundi", "mardi", "mercredi", "jeudi", "vendredi",
        "samedi", "dimanche",
        # Spanish
        "lu", "ma", "ju", "vi", "sá", "mié", "mie", "jue", "vie", "sáb", "sab", "dom", "lunes", "martes",
        "miércoles", "miercoles", "jueves", "viernes", "sábado", "sabado", "domingo",
        # Italian
        "gio", "lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica",
        # Dutch ("ma" is above)
        "wo", "vr", "za", "zo", "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag",
        "zondag",
        # Portuguese
        "seg", "ter", "qua", "qui", "sex", "segunda", "terça", "quarta", "quinta", "sexta",
        # Russian
        "пн", "вт", "ср", "чт", "пт", "сб", "вс", "понедельник", "вторник", "среда", "четверг", "пятница",
        "суббота", "воскресенье",
        # Ukrainian
        "нд", "понеділок", "вівторок", "середа", "четвер", "п'ятниця", "субота", "неділя",
    }
)  # fmt: skip

# [weekday[,]] day[.] month[.][,] year ...: RFC 822's order, with the names in any language.
_NAMED_DATE = re.compile(
    r"\s*(?:(?P<weekday>[^\W\d_][^\s,]*),?\s+)?(?P<day>\d{1,2})\.?\s+(?P<month>[^\W\d_][^\s,]*?)\.?,?\s+"
    r"(?P<year>\d{2,4})(?P<rest>\s.*)?",
    re.DOTALL,
)
_CLOCK = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?")
# A numeric date, ISO 8601 or W3C-DTF: year-month[-day][Thh:mm[:ss]].
_NUMERIC_DATE = re.compile(
    r"\s*(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?!\d)(?:[Tt ]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?(?!\d))?"
)


def read_date(text: str) -> time.struct_time | None:
    """A date as feed text writes it, in UTC; None when it is no date or one no calendar has."""
    stripped = text.strip()
    if not stripped:
        return None
    common = _read_common_date(stripped)
    return common if common is not None else usable_date(_parse_date(stripped))


# The two shapes nearly every feed date has: RFC 822 with GMT or a numeric offset
# ("Wed, 02 Oct 2024 14:30:00 +0300") and W3C-DTF ("2024-10-02T14:30:00.5+03:00").
_COMMON_RFC_822 = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) "
    r"(\d{2}):(\d{2}):(\d{2}) (?:GMT|UT|UTC|Z|([+-])(\d{2})(\d{2}))"
)
_COMMON_W3DTF = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:Z|([+-])(\d{2}):(\d{2}))")
_MONTH_NUMBERS = {name.title(): number for number, name in enumerate(_ENGLISH_MONTHS, start=1)}


def _read_common_date(text: str) -> time.struct_time | None:
    """What feedparser's own handlers make of a date in one of the two common shapes; None for any other text.

    feedparser tries each of its handlers in turn, ours first; for the common shapes
    that costs about 60 µs a date, most of an item's reading. Reading them here gives
    the same answer (tests/unit/test_feed_dates.py compares both on generated dates);
    a date out of range ("30 Feb", "24:00:00", a leap second) goes the long way.
    """
    rfc = _COMMON_RFC_822.fullmatch(text)
    if rfc is not None:
        day, month, year, hour, minute, second, sign, zone_hours, zone_minutes = rfc.groups()
        fields = (int(year), _MONTH_NUMBERS[month], int(day), int(hour), int(minute), int(second))
    else:
        w3c = _COMMON_W3DTF.fullmatch(text)
        if w3c is None:
            return None
        *numbers, sign, zone_hours, zone_minutes = w3c.groups()
        year, month_number, day, hour, minute, second = (int(number) for number in numbers)
        fields = (year, month_number, day, hour, minute, second)
    try:
        stamp = datetime(*fields)
        offset = timedelta(hours=int(zone_hours or 0), minutes=int(zone_minutes or 0))
        return (stamp + offset if sign == "-" else stamp - offset).utctimetuple()
    except (ValueError, OverflowError):
        return None


def usable_date(parsed: time.struct_time | None) -> time.struct_time | None:
    """What feedparser's date reader gave, or None when it gave nothing or the marker of an impossible date."""
    return None if parsed is None or parsed == IMPOSSIBLE_DATE else parsed


def _read_what_feedparser_misreads(text: str) -> time.struct_time | None:
    """feedparser date handler; None leaves the text to feedparser's own handlers."""
    numeric = _NUMERIC_DATE.match(text)
    if numeric is not None and not _is_possible(*numeric.groups()):
        return IMPOSSIBLE_DATE
    english = _in_english(text)
    # The rewritten text has nothing left for this handler, so feedparser's own read it.
    return _parse_date(english) if english is not None else None


def _is_possible(
    year: str, month: str, day: str | None, hour: str | None, minute: str | None, second: str | None
) -> bool:
    """Whether a numeric date's parts name a real day and time (the day and time may be left out)."""
    clock = (int(hour or 0), int(minute or 0), int(second or 0))
    if clock == (24, 0, 0):
        clock = (23, 0, 0)  # ISO 8601's end of the day
    try:
        datetime(int(year), int(month), int(day or 1), clock[0], clock[1], min(clock[2], 59))  # 60: a leap second
    except ValueError:
        return False
    return True


def _in_english(text: str) -> str | None:
    """An RFC 822 date with localised names or a listed zone abbreviation rewritten as feedparser reads it.

    None when there is nothing to rewrite. The weekday is dropped, as feedparser ignores it.
    """
    found = _NAMED_DATE.fullmatch(text)
    if found is None:
        return None
    weekday = _name_key(found["weekday"]) if found["weekday"] else ""
    month_name = _name_key(found["month"])
    month = _MONTHS.get(month_name)
    if month is None or (weekday and weekday not in _WEEKDAYS):
        return None
    rest = (found["rest"] or "").split()
    zone = rest[1].lower() if len(rest) >= 2 and _CLOCK.fullmatch(rest[0]) else ""
    if zone in ZONE_OFFSETS:
        rest[1] = _numeric_offset(ZONE_OFFSETS[zone])
    elif month_name in _READ_BY_FEEDPARSER and (not weekday or weekday in _ENGLISH_WEEKDAYS):
        return None  # feedparser reads it as it is
    return " ".join([found["day"], _ENGLISH_MONTHS[month - 1].title(), found["year"], *rest])


def _name_key(word: str) -> str:
    """A weekday or month name as the tables spell it: lower case, without its abbreviating dot."""
    key = word.casefold().rstrip(".")
    if key.isascii():
        return key
    return unicodedata.normalize("NFC", key).replace("\u2019", "'").replace("\u02bc", "'")


def _numeric_offset(minutes_east: int) -> str:
    sign = "-" if minutes_east < 0 else "+"
    hours, minutes = divmod(abs(minutes_east), 60)
    return f"{sign}{hours:02d}{minutes:02d}"


feedparser.registerDateHandler(_read_what_feedparser_misreads)
