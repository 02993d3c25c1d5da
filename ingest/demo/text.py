"""Headlines and summaries for demo stories, built from templates by index.

The coverage model (corpus.py) decides what a story is about; this module only
turns that decision into English text. Names are written the way outlets really
write them (possessives, "Trump-Putin summit", Zelenskyy or Zelensky), and a few
stories carry traps the matcher must not count ("trump card", "Melania Trump",
"Xi'an"). Generic fillers avoid every watchlist alias, so a story mentions exactly
the entities it was drawn for.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from ingest.demo.outlets import DemoOutlet

INVASION_DAY = date(2022, 2, 24)


@dataclass(frozen=True)
class LeaderNames:
    """How a leader is written: surname, full name, and with the country in front."""

    short: str
    full: str
    prefixed: str

    def possessive(self) -> str:
        return f"{self.short}'s"


# Leaders whose short form is not a single word cannot form "A-B summit" compounds.
_LEADERS: dict[str, LeaderNames] = {
    "trump": LeaderNames("Trump", "Donald Trump", "Donald J. Trump"),
    "putin": LeaderNames("Putin", "Vladimir Putin", "Russia's Vladimir Putin"),
    "zelensky": LeaderNames("Zelensky", "Volodymyr Zelensky", "Ukraine's Volodymyr Zelensky"),
    "biden": LeaderNames("Biden", "Joe Biden", "America's Joe Biden"),
    "xi": LeaderNames("Xi", "Xi Jinping", "China's Xi Jinping"),
    "macron": LeaderNames("Macron", "Emmanuel Macron", "France's Emmanuel Macron"),
    "scholz": LeaderNames("Scholz", "Olaf Scholz", "Germany's Olaf Scholz"),
    "merz": LeaderNames("Merz", "Friedrich Merz", "Germany's Friedrich Merz"),
    "starmer": LeaderNames("Starmer", "Keir Starmer", "Britain's Keir Starmer"),
    "erdogan": LeaderNames("Erdogan", "Recep Tayyip Erdogan", "Turkey's Recep Tayyip Erdogan"),
    "modi": LeaderNames("Modi", "Narendra Modi", "India's Narendra Modi"),
    "netanyahu": LeaderNames("Netanyahu", "Benjamin Netanyahu", "Israel's Benjamin Netanyahu"),
    "kim_jong_un": LeaderNames("Kim Jong Un", "Kim Jong Un", "North Korea's Kim Jong Un"),
    "lukashenko": LeaderNames("Lukashenko", "Alexander Lukashenko", "Belarus's Alexander Lukashenko"),
    "merkel": LeaderNames("Merkel", "Angela Merkel", "Germany's Angela Merkel"),
}

_FIRST_NAMES_BY_SPELLING = {
    "Lukashenka": "Aliaksandr",
    "Erdoğan": "Recep Tayyip",
    "Zelenskyy": "Volodymyr",
    "Zelenskiy": "Volodymyr",
}

LEADER_IDS: frozenset[str] = frozenset(_LEADERS)

# Every phrase matches its theme's aliases (see watchlist.toml) and no other entity.
_THEME_PHRASES: dict[str, tuple[str, ...]] = {
    "nato": ("NATO", "NATO allies", "the NATO alliance", "NATO's eastern flank"),
    "ukraine_war": (
        "the war in Ukraine",
        "the Ukraine war",
        "the Russian invasion",
        "the Russia-Ukraine war",
        "fighting in Donbas",
        "the battle for Bakhmut",
        "the invasion of Ukraine",
    ),
    "sanctions": ("sanctions", "new sanctions", "a fresh sanctions package", "an oil embargo"),
    "election_interference": (
        "election interference",
        "election meddling",
        "troll farms",
        "a disinformation campaign",
        "the Internet Research Agency",
    ),
    "crimea": ("Crimea", "the Crimean peninsula", "Crimea's ports"),
    "syria": ("Syria", "the Syrian conflict", "Damascus", "Assad"),
    "arms_control": ("arms control", "New START", "the INF Treaty", "nuclear arms", "disarmament"),
    "g7_g20": ("the G7", "the G20", "the Group of Seven"),
    "cyber": ("a cyber-attack", "ransomware", "state-backed hackers", "a cyberattack"),
    "energy": ("energy prices", "natural gas", "gas supplies", "Nord Stream", "LNG imports", "oil prices"),
    "trade": ("tariffs", "the trade war", "a trade deal", "trade talks", "import duties"),
    "peace_talks": ("peace talks", "a ceasefire", "a peace plan", "truce talks", "the peace process"),
}
# Before the full-scale invasion the war was the conflict in the east.
_UKRAINE_WAR_BEFORE_INVASION = ("fighting in Donbas", "the conflict in Donbass", "shelling in Donbas")

THEME_IDS: frozenset[str] = frozenset(_THEME_PHRASES)

# --- headline templates -------------------------------------------------------
_HEADLINES_LEADER = (
    "{a} vows to press ahead despite growing criticism",
    "{a_pos} allies close ranks after a week of setbacks",
    "What {a} said, and what it means",
    "{a} hits back at critics in combative speech",
    "Inside {a_pos} inner circle: who has influence now",
    "{a} to travel abroad next week, aides say",
    "Poll shows shifting views of {a}",
    "{a} signals change of course on key appointment",
    "Opinion: {a} is running out of easy options",
    "{a_pos} remarks spark diplomatic row",
)
_HEADLINES_PAIR = (
    "{a} and {b} hold phone call amid tensions",
    "{a} says talks with {b} were 'productive'",
    "{a} warns {b} against escalation",
    "{a_pos} message to {b}: 'We are ready to talk'",
    "Behind the scenes of {a_pos} meeting with {b}",
    "{a} and {b} trade barbs over new demands",
)
_HEADLINES_COMPOUND = (
    "{pair} summit: what to expect",
    "{pair} talks end without breakthrough",
    "Analysis: winners and losers of the {pair} meeting",
)
_HEADLINES_LEADER_THEME = (
    "{a} weighs in on {t}",
    "{a_pos} stance on {t} draws fire at home",
    "{a} promises 'decisive' action on {t}",
    "How {t} became {a_pos} biggest test",
    "{a} meets advisers as {t} dominates agenda",
    "Row over {t} overshadows {a_pos} domestic agenda",
)
_HEADLINES_THEME = (
    "{t} back at the top of the agenda in Brussels",
    "Explainer: {t} in five charts",
    "Ministers meet in {city} as {t} looms large",
    "Markets jittery over {t}",
    "{t}: the week in review",
    "Experts divided on what comes next for {t}",
)
_HEADLINES_THEME_THEME = (
    "How {t} and {t2} became entangled",
    "{t} and {t2} top the agenda in {city}",
)
_HEADLINES_EVENT = (
    "Live: {event}",
    "{event}: what we know so far",
    "{event}: key moments",
)
_HEADLINES_EVENT_BEFORE = (
    "{event}: what to expect",
    "Preview: {event}",
    "Countdown: {event}",
)
_HEADLINES_EVENT_AFTER = (
    "{event}: what it changed",
    "{event}: the fallout",
    "{event}: allies take stock",
)
_HEADLINES_EVENT_PAIR = (
    "{a} and {b} face the cameras",
    "Handshakes and a long wait as {a} meets {b}",
    "{a} and {b}: the day in pictures",
)
_HEADLINES_EVENT_SINGLE = (
    "All eyes on {a} as the day unfolds",
    "{a}: the day in pictures",
)
_HEADLINES_NONE = (
    "{city} council approves {thing}",
    "Heavy rain brings flooding to {city}",
    "{body} warns of delays after strike vote",
    "Museum in {city} reopens after five-year restoration",
    "Central bank holds interest rates steady",
    "Heatwave sets new record in {city}",
    "{city} marathon draws record field",
    "Review: a quiet triumph of a debut novel",
    "Start-ups in {city} struggle to hire engineers",
    "Rail operator apologises for {city} timetable chaos",
    "Scientists map rare coral reef off the coast",
    "{city} food festival returns after a long hiatus",
)
# Traps: each names something the matcher must not count; the id gates the trap
# to years when that entity is in the news at all (None: any time).
_TRAP_HEADLINES: tuple[tuple[str, str | None], ...] = (
    ("Opposition plays its trump card in {city} budget fight", None),
    ("Melania Trump opens new children's hospital wing", "trump"),
    ("Terracotta warriors exhibition travels from Xi'an to {city}", None),
    ("Trump Tower lobby reopens after long renovation", None),
    ("Hunter Biden's paintings go on show in {city}", "biden"),
    ("Brigitte Macron visits {city} school reading project", "macron"),
    ("Olena Zelenska opens children's book fair in {city}", "zelensky"),
    ("Emine Erdoğan hosts charity gala for earthquake survivors", "erdogan"),
    ("Donald Trump Jr. headlines {city} fundraiser", "trump"),
)
TRAP_GATES: tuple[str | None, ...] = tuple(gate for _, gate in _TRAP_HEADLINES)

# --- summary templates --------------------------------------------------------
_SUMMARIES_LEADER = (
    "{A} made the remarks on {weekday}, according to officials familiar with the matter.",
    "{A_pos} office said further details would follow later in the week.",
    "Critics accused {A} of dodging the question; supporters called it a show of resolve.",
    "It was the latest sign of how closely {A} is watched at home and abroad.",
)
_SUMMARIES_PAIR = (
    "{A} and {B} spoke for more than an hour, officials said.",
    "Aides to {A} said a meeting with {B} was not ruled out.",
    "The exchange between {A} and {B} drew sharp reactions from allies.",
)
_SUMMARIES_LEADER_THEME = (
    "{A} said {t} would remain a priority.",
    "Officials close to {A} expect {t} to dominate the coming weeks.",
    "Asked about {t} on {weekday}, {A} declined to give a timetable.",
)
_SUMMARIES_THEME = (
    "Diplomats said {t} would feature prominently at next week's meetings.",
    "Analysts expect {t} to weigh on markets and ministries alike.",
    "Officials in {city} said on {weekday} they were watching {t} closely.",
)
_SUMMARIES_THEME_THEME = ("Officials said {t} and {t2} could no longer be treated separately.",)
_SUMMARIES_EVENT = (
    "Our correspondents follow the day as it happens, with reaction from {city} and beyond.",
    "Officials described the mood around {A} as tense but businesslike.",
    "{A} was expected to speak to reporters later on {weekday}.",
)
_SUMMARIES_EVENT_BEFORE = (
    "Officials on all sides sought to manage expectations.",
    "Preparations were under way on {weekday}, with security tightened in {city}.",
)
_SUMMARIES_EVENT_AFTER = (
    "Officials were still weighing the consequences on {weekday}.",
    "Reaction continued to pour in from {city} and other capitals.",
)
_SUMMARIES_NONE = (
    "Officials said the decision followed months of consultation.",
    "Residents were advised to check local notices for updates.",
    "The organisers said they expected record attendance this year.",
    "A spokesperson said the changes would take effect next month.",
    "The announcement was made on {weekday} after a lengthy review.",
)
_SECOND_SENTENCES = (
    "",
    "",
    " The story is developing.",
    " More details are expected in the coming days.",
    " This article has been updated.",
)

_CITIES = (
    "Lisbon",
    "Oslo",
    "Vienna",
    "Toronto",
    "Melbourne",
    "Cape Town",
    "Dublin",
    "Auckland",
    "Tallinn",
    "Valencia",
    "Porto",
    "Glasgow",
    "Montreal",
    "Perth",
    "Durban",
    "Bergen",
    "Chicago",
    "Riga",
)
_BODIES = (
    "Transport authority",
    "Teachers' union",
    "Port operator",
    "Health service",
    "Weather service",
    "Postal service",
)
_THINGS = (
    "new bus routes",
    "flood defences",
    "a school meals plan",
    "housing targets",
    "a new stadium",
    "longer library hours",
    "lower speed limits",
)
PICK_COUNT = 8

_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Templates every story consults; sizes are public so tests can check the variety.
HEADLINE_TEMPLATE_COUNT = sum(
    len(group)
    for group in (
        _HEADLINES_LEADER,
        _HEADLINES_PAIR,
        _HEADLINES_COMPOUND,
        _HEADLINES_LEADER_THEME,
        _HEADLINES_THEME,
        _HEADLINES_THEME_THEME,
        _HEADLINES_EVENT,
        _HEADLINES_EVENT_BEFORE,
        _HEADLINES_EVENT_AFTER,
        _HEADLINES_EVENT_PAIR,
        _HEADLINES_EVENT_SINGLE,
        _HEADLINES_NONE,
        _TRAP_HEADLINES,
    )
)
SUMMARY_TEMPLATE_COUNT = sum(
    len(group)
    for group in (
        _SUMMARIES_LEADER,
        _SUMMARIES_PAIR,
        _SUMMARIES_LEADER_THEME,
        _SUMMARIES_THEME,
        _SUMMARIES_THEME_THEME,
        _SUMMARIES_EVENT,
        _SUMMARIES_EVENT_BEFORE,
        _SUMMARIES_EVENT_AFTER,
        _SUMMARIES_NONE,
    )
)


@dataclass(frozen=True)
class NewsHook:
    """The occasion a story is written for: a calendar event or an unscheduled story."""

    name: str
    entity_ids: tuple[str, ...]
    # Headline templates of an unscheduled story; empty for calendar events,
    # whose stories use the shared event templates and the event's name.
    headlines: tuple[str, ...] = ()
    first_day: date | None = None
    last_day: date | None = None
    # An unannounced occasion (an invasion) gets no previews: the build-up is ordinary news.
    announced: bool = True

    def phase(self, day: date) -> str:
        """'before', 'during' or 'after' the occasion: previews, live coverage, aftermath."""
        if self.first_day is not None and day < self.first_day:
            return "before"
        if self.last_day is not None and day > self.last_day:
            return "after"
        return "during"


def leader_names(entity_id: str, outlet: DemoOutlet) -> LeaderNames:
    """The leader's names in this outlet's house style."""
    names = _LEADERS[entity_id]
    spelling = outlet.spellings.get(entity_id)
    if spelling is None or spelling == names.short:
        return names
    if entity_id == "kim_jong_un":
        country = names.prefixed.split("'s ")[0]
        return LeaderNames(spelling, spelling, f"{country}'s {spelling}")
    first = _FIRST_NAMES_BY_SPELLING.get(spelling, names.full.rsplit(" ", 1)[0])
    full = f"{first} {spelling}"
    country = names.prefixed.split("'s ")[0]
    return LeaderNames(spelling, full, f"{country}'s {full}")


def theme_phrase(entity_id: str, outlet: DemoOutlet, day: date, pick: int) -> str:
    """One way of naming the theme, in the outlet's style and true to the date."""
    phrases: tuple[str, ...]
    if entity_id == "ukraine_war" and day < INVASION_DAY:
        phrases = _UKRAINE_WAR_BEFORE_INVASION
    else:
        phrases = _THEME_PHRASES[entity_id]
    phrase = phrases[pick % len(phrases)]
    if entity_id == "nato" and outlet.spellings.get("nato") == "Nato":
        phrase = phrase.replace("NATO", "Nato")
    return phrase


def compose_story(
    *,
    outlet: DemoOutlet,
    day: date,
    primary: str | None,
    secondary: str | None,
    hook: NewsHook | None,
    trap: int | None,
    picks: Sequence[int],
) -> tuple[str, str]:
    """Headline and summary of one story.

    `picks` are PICK_COUNT non-negative random integers; each choice of template,
    name form and filler takes its own, so the text is a pure function of the
    arguments.
    """
    fields = _Fields(outlet, day, picks)
    if trap is not None:
        headline_template = _TRAP_HEADLINES[trap % len(_TRAP_HEADLINES)][0]
        summary_template = _pick(_SUMMARIES_NONE, picks[1])
    elif primary is None:
        headline_template = _pick(_HEADLINES_NONE, picks[0])
        summary_template = _pick(_SUMMARIES_NONE, picks[1])
    else:
        fields.assign(primary, secondary)
        headline_template, summary_template = _templates_for(fields, primary, secondary, hook, picks)
        if hook is not None:
            fields.values["event"] = hook.name
    headline = _capitalize_first(headline_template.format_map(fields.values))
    summary = _capitalize_first(summary_template.format_map(fields.values))
    summary += _pick(_SECOND_SENTENCES, picks[7])
    return headline, summary


def _templates_for(
    fields: _Fields, primary: str, secondary: str | None, hook: NewsHook | None, picks: Sequence[int]
) -> tuple[str, str]:
    leaders = fields.leaders
    themes = fields.themes
    if hook is not None:
        if hook.headlines and primary == hook.entity_ids[0]:
            return _pick(hook.headlines, picks[0]), _pick(_summaries_for(leaders, themes), picks[1])
        if not hook.headlines:
            phase = hook.phase(fields.day)
            if phase == "before" and hook.announced:
                return _pick(_HEADLINES_EVENT_BEFORE, picks[0]), _pick(_SUMMARIES_EVENT_BEFORE, picks[1])
            # Half the aftermath is told by name of the event, half as ordinary news.
            if phase == "after" and picks[0] % 2 == 0:
                return _pick(_HEADLINES_EVENT_AFTER, picks[0] >> 1), _pick(_SUMMARIES_EVENT_AFTER, picks[1])
            if phase == "during":
                return _live_event_templates(leaders, themes, picks)
    if len(leaders) == 2:
        headlines: tuple[str, ...] = _HEADLINES_PAIR
        if fields.values["pair"]:
            headlines = headlines + _HEADLINES_COMPOUND
        return _pick(headlines, picks[0]), _pick(_SUMMARIES_PAIR, picks[1])
    return _pick(_headlines_for(leaders, themes), picks[0]), _pick(_summaries_for(leaders, themes), picks[1])


def _live_event_templates(leaders: list[str], themes: list[str], picks: Sequence[int]) -> tuple[str, str]:
    headlines: tuple[str, ...]
    summaries: tuple[str, ...]
    if len(leaders) == 2:
        headlines = _HEADLINES_EVENT + _HEADLINES_EVENT_PAIR
        summaries = _SUMMARIES_EVENT + _SUMMARIES_PAIR
    elif len(leaders) == 1:
        headlines = _HEADLINES_EVENT + _HEADLINES_EVENT_SINGLE
        summaries = _SUMMARIES_EVENT + (_SUMMARIES_LEADER_THEME if themes else ())
    else:
        headlines = _HEADLINES_EVENT
        summaries = _SUMMARIES_THEME
    return _pick(headlines, picks[0]), _pick(summaries, picks[1])


def _headlines_for(leaders: list[str], themes: list[str]) -> tuple[str, ...]:
    if leaders and themes:
        return _HEADLINES_LEADER_THEME
    if leaders:
        return _HEADLINES_LEADER
    if len(themes) == 2:
        return _HEADLINES_THEME_THEME
    return _HEADLINES_THEME


def _summaries_for(leaders: list[str], themes: list[str]) -> tuple[str, ...]:
    if len(leaders) == 2:
        return _SUMMARIES_PAIR
    if leaders and themes:
        return _SUMMARIES_LEADER_THEME
    if leaders:
        return _SUMMARIES_LEADER
    if len(themes) == 2:
        return _SUMMARIES_THEME_THEME
    return _SUMMARIES_THEME


class _Fields:
    """The values a template may name, filled for one story."""

    __slots__ = ("day", "leaders", "outlet", "picks", "themes", "values")

    def __init__(self, outlet: DemoOutlet, day: date, picks: Sequence[int]) -> None:
        self.outlet = outlet
        self.day = day
        self.picks = picks
        self.leaders: list[str] = []
        self.themes: list[str] = []
        self.values: dict[str, str] = {
            "city": _CITIES[picks[2] % len(_CITIES)],
            "body": _BODIES[picks[3] % len(_BODIES)],
            "thing": _THINGS[picks[4] % len(_THINGS)],
            "weekday": _WEEKDAYS[day.weekday()],
            "pair": "",
        }

    def assign(self, primary: str, secondary: str | None) -> None:
        for entity_id in (primary, secondary):
            if entity_id is None:
                pass
            elif entity_id in LEADER_IDS:
                self.leaders.append(entity_id)
            else:
                self.themes.append(entity_id)
        values = self.values
        picks = self.picks
        forms = [_leader_forms(entity_id, self.outlet) for entity_id in self.leaders]
        for keys, form, pick in zip(_LEADER_SLOTS, forms, (picks[5], picks[6]), strict=False):
            headline_key, summary_key, possessive_key, full_possessive_key = keys
            values[headline_key] = form.headline[pick % len(form.headline)]
            values[summary_key] = form.summary[(pick >> 4) % len(form.summary)]
            values[possessive_key] = form.possessive
            values[full_possessive_key] = form.full_possessive
        for key, entity_id, pick in zip(("t", "t2"), self.themes, (picks[3], picks[4]), strict=False):
            values[key] = theme_phrase(entity_id, self.outlet, self.day, pick >> 4)
        if len(forms) == 2 and forms[0].compoundable and forms[1].compoundable:
            values["pair"] = f"{forms[0].surname}-{forms[1].surname}"


# Template field names of the first and second leader: headline form, summary form, possessives.
_LEADER_SLOTS = (("a", "A", "a_pos", "A_pos"), ("b", "B", "b_pos", "B_pos"))


@dataclass(frozen=True)
class _LeaderForms:
    headline: tuple[str, ...]
    summary: tuple[str, ...]
    possessive: str
    full_possessive: str
    surname: str
    compoundable: bool  # "Trump-Putin" works; "Kim Jong Un-Trump" does not


_LEADER_FORMS: dict[tuple[str, str], _LeaderForms] = {}


def _leader_forms(entity_id: str, outlet: DemoOutlet) -> _LeaderForms:
    # Cached by slug: hashing the whole outlet costs more than building the forms.
    forms = _LEADER_FORMS.get((entity_id, outlet.slug))
    if forms is None:
        forms = _LEADER_FORMS[entity_id, outlet.slug] = _build_leader_forms(entity_id, outlet)
    return forms


def _build_leader_forms(entity_id: str, outlet: DemoOutlet) -> _LeaderForms:
    names = leader_names(entity_id, outlet)
    # Headlines mostly use the surname; summaries the full name, sometimes with the country.
    return _LeaderForms(
        headline=(names.short, names.short, names.short, names.full),
        summary=(names.full, names.full, names.prefixed, names.short),
        possessive=names.possessive(),
        full_possessive=f"{names.full}'s",
        surname=names.short,
        compoundable=" " not in names.short,
    )


def _pick(options: Sequence[str], pick: int) -> str:
    return options[pick % len(options)]


def _capitalize_first(text: str) -> str:
    return text if text[:1].isupper() else text[:1].upper() + text[1:]


_SLUG_TRANSLATION = str.maketrans({"ğ": "g", "Ğ": "G", "’": "", "'": ""})
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=65_536)
def headline_slug(headline: str, *, max_words: int = 8) -> str:
    """The URL slug news sites make of a headline: lower case, hyphens, a few words."""
    # Cached: templates repeat, and slugging is a third of the cost of a story.
    words = _NOT_SLUG.sub(" ", headline.translate(_SLUG_TRANSLATION).lower()).split()
    return "-".join(words[:max_words])
