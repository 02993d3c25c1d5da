"""Is a rule's coverage so far today far above its usual level for this time of day and week, and what to do.

Plain Python over the small per-window, per-outlet frame `warehouse.alert_window_counts`
returns, so every rule of judgement is testable without a database. docs/alerts.md says
why it is judged this way.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

__all__ = [
    "BASELINE_WEEKS",
    "DEFAULT_COOLDOWN_HOURS",
    "DEFAULT_MIN_ARTICLES",
    "DEFAULT_THRESHOLD",
    "MIN_BASELINE_WEEKS",
    "Action",
    "Decision",
    "EpisodeState",
    "QuietHours",
    "Verdict",
    "Window",
    "comparison_windows",
    "decide",
    "judge",
    "missing_volume",
]

BASELINE_WEEKS = 8  # the same hours of the same weekday this many weeks back make "usual"
MIN_BASELINE_WEEKS = 4  # fewer weeks with any articles: not judged
DEFAULT_THRESHOLD = 3.5  # as spikes (docs/spikes.md): Iglewicz and Hoaglin's cut-off
DEFAULT_MIN_ARTICLES = 5
DEFAULT_COOLDOWN_HOURS = 6.0
UPDATE_FACTOR = 2.0  # an episode sends one update when its share reaches this multiple of the alert's
_MAD_TO_SIGMA = 1.4826


@dataclass(frozen=True)
class Window:
    """From a local midnight up to the same local time of day as the instant judged; UTC bounds."""

    weeks_back: int  # 0: today so far
    start: datetime
    end: datetime


def comparison_windows(at: datetime, tz: ZoneInfo, *, weeks: int = BASELINE_WEEKS) -> list[Window]:
    """Today from local midnight up to `at`, and the same hours of the same weekday `weeks` weeks back.

    Hours are wall-clock hours of the zone, so after a change to summer time 14:00 is
    compared with 14:00.
    """
    local = at.astimezone(tz)
    windows = []
    for weeks_back in range(weeks + 1):
        day = local.date() - timedelta(weeks=weeks_back)
        start = datetime.combine(day, time(), tzinfo=tz)
        end = datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=tz)
        windows.append(Window(weeks_back, start.astimezone(UTC), end.astimezone(UTC)))
    return windows


@dataclass(frozen=True)
class Verdict:
    """Today so far against the same hours of the same weekday in the weeks before."""

    articles: int  # today so far, mentioning the entity
    total_articles: int  # today so far, all (plus any assumed missing volume)
    share: float
    usual_share: float | None  # median share of the same hours in the baseline weeks
    usual_articles: float | None  # median articles of the same hours
    score: float | None  # the smaller of the robust z-score and the chance score
    weeks_judged: int  # baseline weeks that had any articles
    above: bool
    why_not: str = ""  # when not above, in words

    @property
    def against_usual(self) -> float | None:
        """The share as a multiple of the usual share (None when the usual share is 0)."""
        if not self.usual_share:
            return None
        return self.share / self.usual_share


def judge(
    counts: pd.DataFrame,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    min_articles: int = DEFAULT_MIN_ARTICLES,
    extra_total: int = 0,
) -> Verdict:
    """Whether today's window (weeks_back 0) stands far above the baseline windows (weeks_back 1, 2, ...).

    As for spike days (docs/spikes.md), the share is judged, with two scores of which the
    smaller counts: the robust z-score (share − median) / (1.4826 × MAD) over the baseline
    windows' shares, the MAD floored at one of today's articles' worth, and the chance score
    2·(√(articles + 3/8) − √(expected + 3/8)), expected being the median share times today's
    total. Above means: a score at `threshold` or more, and at least `min_articles` articles.
    `extra_total` adds articles that mention nothing to today's total (the worst case of
    outlets whose feeds failed, see `missing_volume`).
    """
    per_week = counts.groupby("weeks_back")[["articles", "total_articles"]].sum()
    articles = int(per_week["articles"].get(0, 0))
    total = int(per_week["total_articles"].get(0, 0)) + extra_total
    share = articles / total if total else 0.0
    past = per_week[(per_week.index > 0) & (per_week["total_articles"] > 0)]
    weeks_judged = len(past)
    if weeks_judged < MIN_BASELINE_WEEKS:
        return Verdict(
            articles, total, share, None, None, None, weeks_judged, False,
            f"only {weeks_judged} of the weeks before had articles by this hour; {MIN_BASELINE_WEEKS} are needed",
        )  # fmt: skip
    past_shares = (past["articles"] / past["total_articles"]).to_numpy(dtype="float64")
    usual_share = float(np.median(past_shares))
    usual_articles = float(np.median(past["articles"].to_numpy(dtype="float64")))
    if total == 0:
        return Verdict(
            articles, total, share, usual_share, usual_articles, None, weeks_judged, False, "no articles yet"
        )
    deviation = float(np.median(np.abs(past_shares - usual_share)))
    robust = (share - usual_share) / max(deviation * _MAD_TO_SIGMA, 1.0 / total)
    chance = 2.0 * (math.sqrt(articles + 0.375) - math.sqrt(usual_share * total + 0.375))
    score = round(min(robust, chance), 2)
    why_not = ""
    if articles < min_articles:
        why_not = f"{articles} articles, fewer than the {min_articles} needed"
    elif score < threshold:
        why_not = f"score {score}, below {threshold:g}"
    return Verdict(articles, total, share, usual_share, usual_articles, score, weeks_judged, not why_not, why_not)


def missing_volume(counts: pd.DataFrame, sources: Sequence[str]) -> int:
    """Articles the outlets `sources` usually publish by this hour and have not published today.

    Per outlet: the median of its totals over the baseline weeks that had any articles (a
    week it published nothing counts as 0), less what it published today, never below 0.
    """
    per_week = counts.groupby("weeks_back")["total_articles"].sum()
    past_weeks = [week for week, total in per_week.items() if week > 0 and total > 0]
    missing = 0.0
    for source in sources:
        own = counts[counts["source"] == source].set_index("weeks_back")["total_articles"]
        usual = float(np.median([own.get(week, 0) for week in past_weeks])) if past_weeks else 0.0
        missing += max(0.0, usual - float(own.get(0, 0)))
    return round(missing)


_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def parse_clock(text: str) -> time:
    """'07:30' → 07:30; anything else raises ValueError with the form to use."""
    found = _CLOCK.match(text.strip())
    if not found:
        raise ValueError(f"bad time {text!r}: use HH:MM, e.g. 07:30")
    return time(int(found.group(1)), int(found.group(2)))


@dataclass(frozen=True)
class QuietHours:
    """Local hours in which nothing is sent; they may run over midnight (22:00-07:00)."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        parts = text.split("-")
        if len(parts) != 2:
            raise ValueError(f"bad quiet hours {text!r}: use HH:MM-HH:MM, e.g. 22:00-07:00")
        quiet = cls(parse_clock(parts[0]), parse_clock(parts[1]))
        if quiet.start == quiet.end:
            raise ValueError(f"bad quiet hours {text!r}: start and end are the same")
        return quiet

    def contains(self, moment: time) -> bool:
        moment = moment.replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


class Action(enum.StrEnum):
    NOTHING = "nothing"
    SEND = "send"
    HOLD = "hold"


@dataclass(frozen=True)
class Decision:
    action: Action
    kind: str | None = None  # alert | update
    reason: str = ""  # why nothing, or why held
    held_until: str | None = None  # quiet hours: the local HH:MM a held message waits for


@dataclass(frozen=True)
class EpisodeState:
    """What the rule already did about the episode under way."""

    alert_delivered: bool = False
    alert_share: float | None = None  # the share the delivered (or quiet-held) alert reported
    update_done: bool = False  # an update was delivered or waits out quiet hours
    waiting_quiet: bool = False  # a message of the episode waits out quiet hours


def decide(
    verdict: Verdict,
    *,
    state: EpisodeState,
    at: datetime,
    local_time: time,
    quiet: QuietHours | None = None,
    cooldown: timedelta = timedelta(hours=DEFAULT_COOLDOWN_HOURS),
    last_delivered_at: datetime | None = None,
    worst_case: Verdict | None = None,
    failed_sources: Sequence[str] = (),
) -> Decision:
    """What a pass does about one rule.

    At most one alert per episode, and one update once its share has doubled; nothing
    while a message waits out quiet hours or within `cooldown` of the last one delivered;
    held when `worst_case` (the verdict had the outlets whose feeds failed published their
    usual volume with nothing about the entity) is no longer above usual; held, to be sent
    when they end, inside quiet hours.
    """
    if not verdict.above:
        return Decision(Action.NOTHING, reason=verdict.why_not)
    if state.waiting_quiet:
        return Decision(Action.NOTHING, reason="a message waits for the end of the quiet hours")
    if not state.alert_delivered:
        kind = "alert"
    elif not state.update_done and state.alert_share is not None and verdict.share >= UPDATE_FACTOR * state.alert_share:
        kind = "update"
    else:
        return Decision(Action.NOTHING, reason="alerted already in this episode")
    if last_delivered_at is not None and at - last_delivered_at < cooldown:
        until = last_delivered_at + cooldown
        return Decision(Action.NOTHING, reason=f"in cooldown until {until:%Y-%m-%d %H:%M} UTC")
    if worst_case is not None and not worst_case.above:
        outlets = ", ".join(failed_sources)
        return Decision(
            Action.HOLD,
            kind,
            reason=f"feeds failed today for {outlets}: had they published their usual"
            f" {worst_case.total_articles - verdict.total_articles} articles with none about it, the share would be"
            f" {100 * worst_case.share:.1f} %, not far above usual ({worst_case.why_not})",
        )
    if quiet is not None and quiet.contains(local_time):
        return Decision(Action.HOLD, kind, reason=f"quiet hours {quiet}", held_until=f"{quiet.end:%H:%M}")
    return Decision(Action.SEND, kind)
