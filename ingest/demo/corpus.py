"""A deterministic, realistic news corpus for demo mode, and its live trickle.

Coverage follows the real political timeline (who was in office when), rises
around every event of the calendar (newstally/defaults/events.toml) and around a few fictional
unscheduled stories, is thinner at weekends, noisy, and grows slowly over the
years. Every day is drawn from its own random generator seeded by (seed, day), so
any day can be produced alone and the same seed always gives byte-identical
articles; that is what lets the demo feed server hand out items whose guids match
the bulk-loaded history.
"""

from __future__ import annotations

import bisect
import logging
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, lru_cache
from importlib.util import find_spec
from pathlib import Path
from time import perf_counter

import numpy as np

import warehouse
from ingest.demo.outlets import DemoOutlet, demo_feed_urls, demo_outlets
from ingest.demo.text import PICK_COUNT, TRAP_GATES, NewsHook, compose_story, headline_slug
from warehouse import Event, FetchedArticle

__all__ = [
    "DEFAULT_CALENDAR_PATH",
    "HISTORY_START",
    "DemoOutlet",
    "DemoReport",
    "demo_feed_urls",
    "demo_outlets",
    "generate_day",
    "generate_history",
    "live_items",
    "load_demo",
]

logger = logging.getLogger(__name__)

HISTORY_START = date(2017, 1, 1)
# The shipped calendar is package data of newstally (newstally/defaults/events.toml): its package is
# found, not imported (ingest does not depend on newstally), wherever it is installed.
DEFAULT_CALENDAR_PATH = Path(str(find_spec("newstally").origin)).parent / "defaults" / "events.toml"  # type: ignore[union-attr]

# The random streams: history days and live minutes never share a generator.
_HISTORY_STREAM = 0
_LIVE_STREAM = 1

# Weight of stories about none of the watched entities; with typical entity
# weights summing to about 0.5, roughly half of all stories mention no one.
_UNWATCHED_WEIGHT = 0.45
_SECONDARY_PROBABILITY = 0.3
# A story written for an event names a second participant of it this often.
_HOOK_COMPANION_PROBABILITY = 0.85
_TRAP_PROBABILITY = 0.05
# A trap about an entity's relative ("Melania Trump") appears only while the
# entity itself is in the news.
_TRAP_GATE_SHARE = 0.003
_VOLUME_NOISE_SIGMA = 0.10
_ENTITY_NOISE_SIGMA = 0.30
_MAX_EVENT_VOLUME_BUMP = 1.8
# Monday first: newsrooms publish about 40% less at weekends.
_WEEKDAY_VOLUME = (1.06, 1.10, 1.10, 1.08, 1.02, 0.66, 0.62)
# Publication hour (UTC) weights: quiet at night, busiest in the European morning.
_HOUR_WEIGHTS = (2, 1.5, 1, 1, 1.5, 3, 5, 7, 8, 8, 8, 8, 7.5, 7, 7, 7, 6.5, 6, 5.5, 5, 4.5, 4, 3, 2.5)
_MINUTE_CUMULATIVE = np.cumsum(np.repeat(np.asarray(_HOUR_WEIGHTS, dtype=float), 60)) / (60 * sum(_HOUR_WEIGHTS))

# Share of stories about each entity when nothing special happens, as anchors
# (date, share) interpolated linearly; flat before the first and after the last.
_BASE_SHARES: dict[str, tuple[tuple[str, float], ...]] = {
    "trump": (
        ("2017-01-01", 0.13),
        ("2017-01-20", 0.16),
        ("2020-11-03", 0.16),
        ("2021-01-20", 0.07),
        ("2021-03-01", 0.03),
        ("2022-11-15", 0.035),
        ("2023-06-01", 0.045),
        ("2024-03-01", 0.07),
        ("2024-11-05", 0.12),
        ("2025-01-20", 0.17),
        ("2026-12-31", 0.15),
    ),
    "putin": (
        ("2017-01-01", 0.05),
        ("2021-10-31", 0.05),
        ("2022-02-01", 0.08),
        ("2022-02-23", 0.09),
        ("2022-02-24", 0.12),
        ("2022-06-01", 0.08),
        ("2023-06-01", 0.06),
        ("2024-06-01", 0.05),
        ("2025-01-20", 0.07),
        ("2026-12-31", 0.06),
    ),
    "zelensky": (
        ("2018-12-30", 0.0),
        ("2019-01-15", 0.003),
        ("2019-04-21", 0.012),
        ("2019-09-25", 0.02),
        ("2020-03-01", 0.005),
        ("2021-11-01", 0.008),
        ("2022-02-23", 0.02),
        ("2022-02-24", 0.09),
        ("2022-12-31", 0.07),
        ("2023-12-31", 0.045),
        ("2024-12-31", 0.04),
        ("2025-02-15", 0.06),
        ("2026-12-31", 0.05),
    ),
    "biden": (
        ("2017-01-01", 0.002),
        ("2019-03-01", 0.004),
        ("2019-04-25", 0.02),
        ("2020-03-03", 0.04),
        ("2020-11-03", 0.07),
        ("2021-01-20", 0.09),
        ("2022-06-01", 0.07),
        ("2024-07-21", 0.05),
        ("2024-08-01", 0.02),
        ("2025-01-20", 0.006),
        ("2025-03-01", 0.002),
        ("2026-12-31", 0.0015),
    ),
    "xi": (
        ("2017-01-01", 0.02),
        ("2018-03-01", 0.03),
        ("2020-03-01", 0.035),
        ("2021-01-01", 0.025),
        ("2025-04-01", 0.035),
        ("2026-12-31", 0.03),
    ),
    "macron": (
        ("2017-01-01", 0.004),
        ("2017-04-23", 0.02),
        ("2017-05-07", 0.035),
        ("2017-06-15", 0.02),
        ("2022-04-24", 0.025),
        ("2022-06-01", 0.018),
        ("2024-06-09", 0.025),
        ("2024-09-01", 0.015),
        ("2026-12-31", 0.018),
    ),
    "scholz": (
        ("2017-01-01", 0.0005),
        ("2018-03-14", 0.002),
        ("2021-08-01", 0.004),
        ("2021-09-26", 0.02),
        ("2021-12-08", 0.025),
        ("2024-11-06", 0.025),
        ("2025-02-23", 0.02),
        ("2025-05-06", 0.006),
        ("2025-07-01", 0.0015),
        ("2026-12-31", 0.0008),
    ),
    "merz": (
        ("2017-01-01", 0.0002),
        ("2018-10-30", 0.001),
        ("2018-12-08", 0.002),
        ("2022-01-31", 0.003),
        ("2024-09-17", 0.008),
        ("2025-02-23", 0.02),
        ("2025-05-06", 0.025),
        ("2026-12-31", 0.022),
    ),
    "starmer": (
        ("2017-01-01", 0.0008),
        ("2019-12-31", 0.001),
        ("2020-04-04", 0.006),
        ("2024-05-22", 0.01),
        ("2024-07-05", 0.03),
        ("2026-12-31", 0.025),
    ),
    "merkel": (
        ("2017-01-01", 0.03),
        ("2021-09-26", 0.03),
        ("2021-12-08", 0.006),
        ("2022-06-01", 0.0015),
        ("2026-12-31", 0.0008),
    ),
    "erdogan": (
        ("2017-01-01", 0.011),
        ("2023-05-28", 0.015),
        ("2023-08-01", 0.009),
        ("2026-12-31", 0.009),
    ),
    "modi": (
        ("2017-01-01", 0.007),
        ("2019-05-23", 0.012),
        ("2019-08-01", 0.007),
        ("2024-06-04", 0.012),
        ("2024-08-01", 0.008),
    ),
    "netanyahu": (
        ("2017-01-01", 0.007),
        ("2023-10-06", 0.008),
        ("2023-10-07", 0.025),
        ("2024-06-01", 0.018),
        ("2026-12-31", 0.015),
    ),
    "kim_jong_un": (
        ("2017-01-01", 0.012),
        ("2017-09-01", 0.02),
        ("2018-06-12", 0.02),
        ("2019-06-30", 0.012),
        ("2020-06-01", 0.005),
        ("2026-12-31", 0.004),
    ),
    "lukashenko": (
        ("2017-01-01", 0.001),
        ("2020-07-01", 0.002),
        ("2020-08-09", 0.012),
        ("2020-12-01", 0.004),
        ("2021-05-23", 0.008),
        ("2021-08-01", 0.003),
        ("2022-02-24", 0.005),
        ("2023-06-24", 0.006),
        ("2024-01-01", 0.002),
    ),
    "nato": (
        ("2017-01-01", 0.015),
        ("2021-12-31", 0.015),
        ("2022-02-24", 0.03),
        ("2023-12-31", 0.022),
        ("2025-06-01", 0.025),
        ("2026-12-31", 0.02),
    ),
    "ukraine_war": (
        ("2017-01-01", 0.003),
        ("2021-10-31", 0.003),
        ("2022-02-23", 0.01),
        ("2022-02-24", 0.10),
        ("2022-12-31", 0.075),
        ("2023-12-31", 0.05),
        ("2026-12-31", 0.045),
    ),
    "sanctions": (
        ("2017-01-01", 0.01),
        ("2022-02-23", 0.012),
        ("2022-02-24", 0.035),
        ("2022-12-31", 0.02),
        ("2026-12-31", 0.015),
    ),
    "election_interference": (
        ("2017-01-01", 0.018),
        ("2019-06-01", 0.012),
        ("2020-11-30", 0.01),
        ("2021-03-01", 0.003),
        ("2024-09-01", 0.006),
        ("2025-01-01", 0.003),
    ),
    "crimea": (
        ("2017-01-01", 0.003),
        ("2022-02-24", 0.006),
        ("2023-12-31", 0.004),
        ("2026-12-31", 0.003),
    ),
    "syria": (
        ("2017-01-01", 0.016),
        ("2019-12-31", 0.01),
        ("2020-06-01", 0.005),
        ("2024-12-08", 0.006),
        ("2026-12-31", 0.004),
    ),
    "arms_control": (
        ("2017-01-01", 0.005),
        ("2019-02-01", 0.009),
        ("2019-08-02", 0.006),
        ("2026-12-31", 0.005),
    ),
    "g7_g20": (("2017-01-01", 0.003),),
    "cyber": (("2017-01-01", 0.006), ("2026-12-31", 0.007)),
    "energy": (
        ("2017-01-01", 0.008),
        ("2021-09-01", 0.012),
        ("2022-02-24", 0.02),
        ("2022-09-30", 0.025),
        ("2023-06-01", 0.012),
        ("2026-12-31", 0.01),
    ),
    "trade": (
        ("2017-01-01", 0.006),
        ("2018-03-01", 0.02),
        ("2019-12-31", 0.015),
        ("2020-03-01", 0.008),
        ("2024-11-05", 0.01),
        ("2025-01-20", 0.02),
        ("2025-04-02", 0.035),
        ("2025-07-01", 0.025),
        ("2026-12-31", 0.02),
    ),
    "peace_talks": (
        ("2017-01-01", 0.004),
        ("2022-03-01", 0.008),
        ("2022-06-01", 0.005),
        ("2024-11-05", 0.008),
        ("2025-02-12", 0.02),
        ("2026-12-31", 0.018),
    ),
}
ENTITY_IDS: tuple[str, ...] = tuple(_BASE_SHARES)
_LEADER_IDS = frozenset(ENTITY_IDS[:15])


@dataclass(frozen=True)
class _Reaction:
    """How strongly and for how long coverage reacts to one occasion."""

    magnitude: float  # extra weight, in multiples of the entity's base share, on the day itself
    decay_days: float  # e-folding time of the fade-out after the last day
    lead_days: int = 1  # days of anticipation before the first day
    announced: bool = True  # known in advance, so the lead-up brings previews
    # Entity id -> magnitude for this occasion; others get `magnitude` (leaders)
    # or 60% of it (themes).
    entity_magnitudes: Mapping[str, float] = field(default_factory=dict)


# Events differ: a summit of two presidents is bigger news than a G20 side-meeting,
# and an invasion does not fade in a week.
_EVENT_REACTIONS: dict[str, _Reaction] = {
    "us_election_2016": _Reaction(3.0, 4.0),
    "trump_inauguration_2017": _Reaction(2.0, 3.0, lead_days=2),
    "g20_hamburg_2017": _Reaction(3.0, 2.0, lead_days=2),
    "apec_danang_2017": _Reaction(1.0, 1.5),
    "russia_election_2018": _Reaction(1.5, 2.0, lead_days=3),
    "g7_charlevoix_2018": _Reaction(2.0, 3.0, lead_days=2),
    "nato_brussels_2018": _Reaction(2.5, 2.0, lead_days=2),
    "helsinki_2018": _Reaction(6.0, 4.0, lead_days=3, entity_magnitudes={"putin": 8.0, "trump": 5.0}),
    "armistice_paris_2018": _Reaction(1.0, 1.5),
    "g20_buenos_aires_2018": _Reaction(1.5, 2.0, lead_days=2),
    "mueller_report_2019": _Reaction(3.0, 4.0, lead_days=2, entity_magnitudes={"election_interference": 5.0}),
    "g20_osaka_2019": _Reaction(1.5, 2.0, lead_days=2),
    "normandy_paris_2019": _Reaction(2.0, 2.0),
    "us_election_2020": _Reaction(3.0, 6.0, lead_days=4, entity_magnitudes={"biden": 4.0}),
    "geneva_2021": _Reaction(3.0, 3.0, lead_days=3),
    "invasion_2022": _Reaction(
        8.0,
        45.0,
        lead_days=14,
        announced=False,
        entity_magnitudes={"ukraine_war": 10.0, "zelensky": 8.0, "putin": 6.0, "sanctions": 6.0, "nato": 3.0},
    ),
    "us_election_2024": _Reaction(3.0, 5.0, lead_days=4),
    "trump_inauguration_2025": _Reaction(2.0, 3.0, lead_days=2),
    "trump_putin_call_2025": _Reaction(2.5, 3.0),
    "oval_office_2025": _Reaction(4.0, 3.0, entity_magnitudes={"zelensky": 6.0}),
    "nato_hague_2025": _Reaction(2.0, 2.0, lead_days=2),
    "anchorage_2025": _Reaction(6.0, 4.0, lead_days=4, entity_magnitudes={"putin": 8.0, "trump": 5.0}),
    "white_house_2025": _Reaction(3.0, 3.0),
}
# An event added to the calendar later still moves coverage, modestly.
_DEFAULT_REACTION = _Reaction(1.5, 2.0)
_THEME_MAGNITUDE_FACTOR = 0.6


@dataclass(frozen=True)
class _UnscheduledStory:
    """A fictional story nobody put on a calendar; the first entity is its subject."""

    story_id: str
    day: date
    entity_magnitudes: Mapping[str, float]
    decay_days: float
    headlines: tuple[str, ...]


_UNSCHEDULED_STORIES: tuple[_UnscheduledStory, ...] = (
    _UnscheduledStory(
        "pipeline_blast_2017",
        date(2017, 10, 12),
        {"energy": 5.0, "putin": 0.8},
        2.5,
        (
            "Explosion shuts major gas pipeline",
            "Gas prices jump after pipeline blast",
            "Pipeline blast: what we know about the damage to gas supplies",
        ),
    ),
    _UnscheduledStory(
        "port_ransomware_2019",
        date(2019, 3, 14),
        {"cyber": 7.0, "putin": 0.5},
        3.0,
        (
            "Ransomware attack paralyses ports across northern Europe",
            "Cyber-attack on ports: shipping firms count the cost",
            "Who is behind the ransomware attack on Europe's ports?",
        ),
    ),
    _UnscheduledStory(
        "belarus_sanctions_2020",
        date(2020, 9, 22),
        {"sanctions": 5.0, "lukashenko": 3.0},
        2.0,
        (
            "Sanctions package targets dozens of officials over crackdown",
            "What the new sanctions mean for business in {city}",
            "Sanctions list grows as ministers meet in Brussels",
        ),
    ),
    _UnscheduledStory(
        "black_sea_standoff_2021",
        date(2021, 4, 13),
        {"crimea": 6.0, "nato": 2.0},
        3.0,
        (
            "Naval standoff off Crimea raises alarm",
            "Warships shadow each other near the Crimean coast",
            "Crimea standoff: a timeline",
        ),
    ),
    _UnscheduledStory(
        "chip_export_controls_2024",
        date(2024, 3, 19),
        {"trade": 5.0, "xi": 2.0},
        3.0,
        (
            "Chip export controls spark new trade war fears",
            "Tariffs threatened as export controls row escalates",
            "Export controls: who loses most",
        ),
    ),
    _UnscheduledStory(
        "satellite_hack_2026",
        date(2026, 6, 9),
        {"cyber": 5.0, "nato": 1.5},
        2.5,
        (
            "Cyber-attack on satellite network disrupts flights",
            "Hackers knock out satellite links used by shipping",
            "Satellite cyberattack: airlines count delays",
        ),
    ),
)


@dataclass(frozen=True)
class _Occasion:
    """A calendar event or unscheduled story, as the coverage model sees it."""

    hook: NewsHook
    first_day: int  # proleptic ordinal
    last_day: int
    reaction: _Reaction
    magnitudes: Mapping[int, float]  # entity index -> magnitude
    companions: tuple[int, ...]  # entity indices a story about it may also name

    def shape(self, ordinal: int) -> float:
        """Intensity on a day: 1 during the occasion, a ramp before, a fade after."""
        if ordinal < self.first_day:
            days_ahead = self.first_day - ordinal
            if days_ahead > self.reaction.lead_days:
                return 0.0
            return 0.35 * (1.0 - (days_ahead - 1) / self.reaction.lead_days)
        if ordinal <= self.last_day:
            return 1.0
        days_after = ordinal - self.last_day
        if days_after > 8 * self.reaction.decay_days:
            return 0.0
        return math.exp(-days_after / self.reaction.decay_days)


@dataclass(frozen=True)
class _DayProfile:
    """The deterministic part of one day: what the dice of that day are weighted by."""

    day: date
    expected_volume: float  # stories per unit of articles_per_day, before noise
    weights: np.ndarray  # per entity, base share x occasion boost
    hook_share: np.ndarray  # per entity, the part of its weight due to occasions
    hook_of: np.ndarray  # per entity, index of the occasion contributing most, or -1
    trap_open: np.ndarray  # per trap, whether its entity is in the news enough


class _CoverageModel:
    """Base shares, the calendar and the unscheduled stories, turned into day profiles."""

    def __init__(self, calendar: Sequence[Event]) -> None:
        self.outlets = tuple(demo_outlets())
        shares = np.cumsum([outlet.volume_share for outlet in self.outlets])
        self.outlet_cumulative = shares / shares[-1]
        self.outlet_bias = np.asarray(
            [[outlet.coverage_bias.get(entity_id, 1.0) for entity_id in ENTITY_IDS] for outlet in self.outlets]
        )
        self._anchors = [_parse_anchors(_BASE_SHARES[entity_id]) for entity_id in ENTITY_IDS]
        self.occasions = tuple(_occasion_of_event(event) for event in calendar) + tuple(
            _occasion_of_story(story) for story in _UNSCHEDULED_STORIES
        )
        self.companion_table, self.companion_counts = _companion_table(self.occasions)
        self.trap_gates = tuple(ENTITY_IDS.index(gate) if gate is not None else None for gate in TRAP_GATES)
        self._profiles: dict[int, _DayProfile] = {}

    def day_profile(self, day: date) -> _DayProfile:
        ordinal = day.toordinal()
        profile = self._profiles.get(ordinal)
        if profile is None:
            profile = self._compute_day_profile(day)
            if len(self._profiles) > 8192:
                self._profiles.clear()
            self._profiles[ordinal] = profile
        return profile

    def _compute_day_profile(self, day: date) -> _DayProfile:
        ordinal = day.toordinal()
        base = np.asarray([_interpolate(anchors, ordinal) for anchors in self._anchors])
        boost = np.ones(len(ENTITY_IDS))
        best_contribution = np.zeros(len(ENTITY_IDS))
        hook_of = np.full(len(ENTITY_IDS), -1, dtype=np.int64)
        volume_bump = 1.0
        for index, occasion in enumerate(self.occasions):
            shape = occasion.shape(ordinal)
            if shape == 0.0:
                continue
            volume_bump += 0.03 * occasion.reaction.magnitude * shape
            for entity, magnitude in occasion.magnitudes.items():
                contribution = magnitude * shape
                boost[entity] += contribution
                if contribution > best_contribution[entity]:
                    best_contribution[entity] = contribution
                    hook_of[entity] = index
        years = (ordinal - HISTORY_START.toordinal()) / 365.25
        growth = 0.82 + 0.055 * years
        expected_volume = growth * _WEEKDAY_VOLUME[day.weekday()] * min(volume_bump, _MAX_EVENT_VOLUME_BUMP)
        return _DayProfile(
            day=day,
            expected_volume=expected_volume,
            weights=base * boost,
            hook_share=(boost - 1.0) / boost,
            hook_of=hook_of,
            trap_open=np.asarray(
                [gate is None or base[gate] >= _TRAP_GATE_SHARE for gate in self.trap_gates], dtype=bool
            ),
        )


@dataclass(frozen=True)
class _Draws:
    """What each story of a batch is about, and its text dice; -1 means none."""

    outlet: list[int]
    primary: list[int]
    secondary: list[int]
    hook: list[int]
    trap: list[int]
    minute: list[int]  # minute of the day it was published
    picks: list[list[int]]


# Columns of the uniform draws: one matrix per batch keeps numpy calls per day few.
_ROLL_OUTLET, _ROLL_PRIMARY, _ROLL_HOOK, _ROLL_SECONDARY, _ROLL_WHICH_SECONDARY = range(5)
_ROLL_COMPANION, _ROLL_TRAP, _ROLL_MINUTE, _ROLL_COUNT = 5, 6, 7, 8
# Columns of the integer draws after the text picks.
_INT_COMPANION, _INT_TRAP = PICK_COUNT, PICK_COUNT + 1


def _draw_stories(rng: np.random.Generator, model: _CoverageModel, profile: _DayProfile, count: int) -> _Draws:
    """Decide outlet, subject, time and text dice of `count` stories.

    Always takes the same draws from `rng` for the same count, so every story of
    a day depends on nothing but the day's seed.
    """
    entity_count = len(ENTITY_IDS)
    weights = profile.weights * rng.lognormal(0.0, _ENTITY_NOISE_SIGMA, size=entity_count)
    rolls = rng.random((count, _ROLL_COUNT))
    integers = rng.integers(0, 1 << 30, size=(count, PICK_COUNT + 2))

    outlet = np.searchsorted(model.outlet_cumulative, rolls[:, _ROLL_OUTLET], side="right")
    # Per-outlet cumulative distributions laid end to end: row o spans (o, o + 1],
    # so one searchsorted draws every story's subject from its own outlet's row.
    per_outlet = np.concatenate(
        [weights[None, :] * model.outlet_bias, np.full((len(model.outlets), 1), _UNWATCHED_WEIGHT)],
        axis=1,
    )
    rows = np.cumsum(per_outlet, axis=1)
    rows = rows / rows[:, -1:] + np.arange(len(model.outlets))[:, None]
    rows[:, -1] = np.arange(1, len(model.outlets) + 1)
    subject = np.searchsorted(rows.ravel(), outlet + rolls[:, _ROLL_PRIMARY], side="right")
    subject -= outlet * (entity_count + 1)
    watched = subject < entity_count
    primary = np.where(watched, subject, -1)
    safe_primary = np.where(watched, subject, 0)

    hook = np.where(
        watched & (rolls[:, _ROLL_HOOK] < profile.hook_share[safe_primary]), profile.hook_of[safe_primary], -1
    )
    driven = hook >= 0

    overall = np.cumsum(weights)
    secondary = np.where(
        rolls[:, _ROLL_SECONDARY] < _SECONDARY_PROBABILITY,
        np.searchsorted(overall / overall[-1], rolls[:, _ROLL_WHICH_SECONDARY], side="right"),
        -1,
    )
    safe_hook = np.where(driven, hook, 0)
    companion = model.companion_table[safe_hook, integers[:, _INT_COMPANION] % model.companion_counts[safe_hook]]
    secondary = np.where(driven & (rolls[:, _ROLL_COMPANION] < _HOOK_COMPANION_PROBABILITY), companion, secondary)
    secondary = np.where(watched & (secondary != primary) & (secondary < entity_count), secondary, -1)

    trap = integers[:, _INT_TRAP] % len(model.trap_gates)
    trap = np.where(~watched & (rolls[:, _ROLL_TRAP] < _TRAP_PROBABILITY) & profile.trap_open[trap], trap, -1)

    minute = np.searchsorted(_MINUTE_CUMULATIVE, rolls[:, _ROLL_MINUTE], side="right")
    return _Draws(
        outlet=outlet.tolist(),
        primary=primary.tolist(),
        secondary=secondary.tolist(),
        hook=hook.tolist(),
        trap=trap.tolist(),
        minute=np.minimum(minute, len(_MINUTE_CUMULATIVE) - 1).tolist(),
        picks=integers[:, :PICK_COUNT].tolist(),
    )


def _compose(model: _CoverageModel, draws: _Draws, index: int, day: date) -> tuple[str, str]:
    primary = draws.primary[index]
    secondary = draws.secondary[index]
    hook = draws.hook[index]
    trap = draws.trap[index]
    return compose_story(
        outlet=model.outlets[draws.outlet[index]],
        day=day,
        primary=ENTITY_IDS[primary] if primary >= 0 else None,
        secondary=ENTITY_IDS[secondary] if secondary >= 0 else None,
        hook=model.occasions[hook].hook if hook >= 0 else None,
        trap=trap if trap >= 0 else None,
        picks=draws.picks[index],
    )


def generate_day(
    seed: int, day: date, articles_per_day: float = 80.0, *, calendar_path: Path | None = None
) -> list[tuple[str, FetchedArticle]]:
    """All demo stories of one UTC day, (outlet name, article), in publication order.

    Depends only on (seed, day, articles_per_day, the calendar): the day's random
    generator is seeded from (seed, day) alone.
    """
    _check_seed(seed)
    model = _model(calendar_path or DEFAULT_CALENDAR_PATH)
    profile = model.day_profile(day)
    rng = np.random.default_rng((seed, _HISTORY_STREAM, day.toordinal()))
    volume_noise = rng.lognormal(0.0, _VOLUME_NOISE_SIGMA)
    count = int(rng.poisson(articles_per_day * profile.expected_volume * volume_noise))
    draws = _draw_stories(rng, model, profile, count)

    midnight = datetime.combine(day, time(), tzinfo=UTC)
    stamp = day.strftime("%Y%m%d")
    path = day.strftime("%Y/%m/%d")
    guid_prefixes = [f"demo:{seed}:{outlet.slug}:{stamp}:" for outlet in model.outlets]
    url_prefixes = [f"https://{outlet.domain}/{path}/" for outlet in model.outlets]
    # Publication order; each outlet numbers its stories of the day 1, 2, ... in it.
    order = sorted(range(count), key=lambda index: (draws.minute[index], draws.outlet[index], index))
    numbers = [0] * len(model.outlets)
    stories = []
    for index in order:
        outlet_index = draws.outlet[index]
        numbers[outlet_index] += 1
        number = numbers[outlet_index]
        title, summary = _compose(model, draws, index, day)
        article = FetchedArticle(
            guid=f"{guid_prefixes[outlet_index]}{number}",
            url=f"{url_prefixes[outlet_index]}{headline_slug(title)}-{number}",
            title=title,
            summary=summary,
            published_at=midnight + timedelta(minutes=draws.minute[index]),
        )
        stories.append((model.outlets[outlet_index].name, article))
    return stories


def generate_history(
    seed: int,
    start: date,
    end: datetime,
    articles_per_day: float = 80.0,
    *,
    calendar_path: Path | None = None,
) -> Iterator[tuple[str, FetchedArticle]]:
    """Demo stories from `start` (a UTC day) up to and including `end`, oldest first.

    The full history starts at HISTORY_START (2017-01-01); at the default rate it
    holds about 300,000 articles up to the mid-2020s.
    """
    _check_aware(end, "end")
    end_utc = end.astimezone(UTC)
    day = start
    while day <= end_utc.date():
        for outlet_name, article in generate_day(seed, day, articles_per_day, calendar_path=calendar_path):
            if article.published_at is not None and article.published_at > end_utc:
                return
            yield outlet_name, article
        day += timedelta(days=1)


def live_items(
    seed: int, since: datetime, until: datetime, *, calendar_path: Path | None = None
) -> list[tuple[str, FetchedArticle]]:
    """One new story per minute: the minutes m with since < m <= until, oldest first.

    The story of minute m depends only on (seed, m), so a feed server and a test
    agree on it without sharing state.
    """
    _check_seed(seed)
    _check_aware(since, "since")
    _check_aware(until, "until")
    first_minute = (math.floor(since.timestamp()) // 60 + 1) * 60
    last_minute = math.floor(until.timestamp()) // 60 * 60
    calendar = calendar_path or DEFAULT_CALENDAR_PATH
    return [_live_item(seed, minute, calendar) for minute in range(first_minute, last_minute + 1, 60)]


@lru_cache(maxsize=16_384)
def _live_item(seed: int, minute_epoch: int, calendar_path: Path) -> tuple[str, FetchedArticle]:
    model = _model(calendar_path)
    published_at = datetime.fromtimestamp(minute_epoch, tz=UTC)
    day = published_at.date()
    rng = np.random.default_rng((seed, _LIVE_STREAM, minute_epoch))
    draws = _draw_stories(rng, model, model.day_profile(day), 1)
    outlet = model.outlets[draws.outlet[0]]
    title, summary = _compose(model, draws, 0, day)
    article = FetchedArticle(
        guid=f"demo-live:{seed}:{minute_epoch}",
        url=f"https://{outlet.domain}/live/{published_at:%Y/%m/%d}/{headline_slug(title)}-{published_at:%H%M}",
        title=title,
        summary=summary,
        published_at=published_at,
    )
    return outlet.name, article


@dataclass(frozen=True)
class DemoReport:
    """What one load of the demo corpus did."""

    articles: int  # new articles stored; 0 when the same corpus was loaded before
    articles_generated: int
    outlets: int
    feeds: int  # feed URLs registered (0 without a server URL)
    first_published_at: datetime | None
    last_published_at: datetime | None
    seconds: float


def load_demo(
    wh: warehouse.Warehouse,
    *,
    seed: int,
    articles_per_day: float = 80.0,
    server_url: str | None = None,
    now: datetime | None = None,
    start: date = HISTORY_START,
    calendar_path: Path | None = None,
    chunk_articles: int = 200_000,
) -> DemoReport:
    """Register the demo outlets (and their live feeds on `server_url`) and bulk-store their history.

    History runs from `start` to `now`; loading the same seed again adds nothing,
    because every article keeps its guid. Articles are buffered per outlet and
    flushed every `chunk_articles`, as store_articles takes one outlet per call.
    """
    started = perf_counter()
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    outlets = demo_outlets()
    for outlet in outlets:
        warehouse.ensure_source(
            wh,
            outlet.name,
            homepage=outlet.homepage,
            country=outlet.country,
            language=outlet.language,
            is_demo=True,
        )
    feed_urls = demo_feed_urls(server_url) if server_url else []
    for outlet_name, url in feed_urls:
        warehouse.add_feed(wh, url, source_name=outlet_name, title=outlet_name, is_demo=True)

    pending: dict[str, list[FetchedArticle]] = {outlet.name: [] for outlet in outlets}
    generated = new = buffered = 0
    first: datetime | None = None
    last: datetime | None = None

    def flush() -> int:
        stored = 0
        for outlet_name, articles in pending.items():
            if articles:
                stored += warehouse.store_articles(wh, outlet_name, articles, fetched_at=moment, is_demo=True)
                articles.clear()
        return stored

    for outlet_name, article in generate_history(seed, start, moment, articles_per_day, calendar_path=calendar_path):
        pending[outlet_name].append(article)
        generated += 1
        buffered += 1
        first = first or article.published_at
        last = article.published_at
        if buffered >= chunk_articles:
            new += flush()
            buffered = 0
            logger.info("demo corpus: %d articles stored, up to %s", generated, last)
    new += flush()
    seconds = perf_counter() - started
    logger.info("demo corpus: %d generated, %d new, %.1f s", generated, new, seconds)
    return DemoReport(
        articles=new,
        articles_generated=generated,
        outlets=len(outlets),
        feeds=len(feed_urls),
        first_published_at=first,
        last_published_at=last,
        seconds=seconds,
    )


@cache
def _model(calendar_path: Path) -> _CoverageModel:
    return _CoverageModel(warehouse.load_events_file(calendar_path))


def _occasion_of_event(event: Event) -> _Occasion:
    reaction = _EVENT_REACTIONS.get(event.event_id, _DEFAULT_REACTION)
    magnitudes = {}
    for entity_id in event.entity_ids:
        if entity_id not in ENTITY_IDS:
            continue  # an entity the demo does not model
        default = reaction.magnitude * (1.0 if entity_id in _LEADER_IDS else _THEME_MAGNITUDE_FACTOR)
        magnitudes[ENTITY_IDS.index(entity_id)] = reaction.entity_magnitudes.get(entity_id, default)
    return _Occasion(
        hook=NewsHook(
            name=event.name,
            entity_ids=event.entity_ids,
            first_day=event.start_date,
            last_day=event.end_date,
            announced=reaction.announced,
        ),
        first_day=event.start_date.toordinal(),
        last_day=event.end_date.toordinal(),
        reaction=reaction,
        magnitudes=magnitudes,
        companions=tuple(magnitudes) or (0,),
    )


def _occasion_of_story(story: _UnscheduledStory) -> _Occasion:
    subject = ENTITY_IDS.index(next(iter(story.entity_magnitudes)))
    return _Occasion(
        hook=NewsHook(name=story.story_id, entity_ids=tuple(story.entity_magnitudes), headlines=story.headlines),
        first_day=story.day.toordinal(),
        last_day=story.day.toordinal(),
        # Nobody saw it coming: no lead-up, no previews.
        reaction=_Reaction(max(story.entity_magnitudes.values()), story.decay_days, lead_days=0, announced=False),
        magnitudes={ENTITY_IDS.index(entity_id): value for entity_id, value in story.entity_magnitudes.items()},
        # A story about an unscheduled occasion names its subject.
        companions=(subject,),
    )


def _companion_table(occasions: Sequence[_Occasion]) -> tuple[np.ndarray, np.ndarray]:
    width = max((len(occasion.companions) for occasion in occasions), default=1)
    table = np.zeros((max(len(occasions), 1), width), dtype=np.int64)
    counts = np.ones(max(len(occasions), 1), dtype=np.int64)
    for index, occasion in enumerate(occasions):
        table[index, : len(occasion.companions)] = occasion.companions
        counts[index] = len(occasion.companions)
    return table, counts


def _parse_anchors(anchors: Sequence[tuple[str, float]]) -> tuple[list[int], list[float]]:
    return [date.fromisoformat(day).toordinal() for day, _ in anchors], [share for _, share in anchors]


def _interpolate(anchors: tuple[list[int], list[float]], ordinal: int) -> float:
    days, shares = anchors
    position = bisect.bisect_right(days, ordinal)
    if position == 0:
        return shares[0]
    if position == len(days):
        return shares[-1]
    left, right = days[position - 1], days[position]
    fraction = (ordinal - left) / (right - left)
    return shares[position - 1] + fraction * (shares[position] - shares[position - 1])


def _check_seed(seed: int) -> None:
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, not {seed}")


def _check_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got {moment!r}")
