"""The Alerts page's tables: rules and what was sent, held or failed, each with the link its alert carries.

Plain pandas (unit-tested without Streamlit). The links are the ones `alerts.messages` writes into every
alert: the Spikes view of the episode, an entity's (`/spikes?entity=putin&spike=putin:2018-07-14`) or a
query's (`/spikes?q=putin+AND+helsinki&spike=putin+AND+helsinki%3A2018-07-14`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import date
from urllib.parse import urlencode

import pandas as pd

from dashboard.url_state import SpikesView
from warehouse import AlertRule

__all__ = [
    "HISTORY_SHOWN",
    "RULES_SHOWN",
    "alert_history_as_shown",
    "alert_rules_as_shown",
    "query_rule_name",
    "rule_view_url",
]

RULES_SHOWN = ["name", "view", "watches", "channels", "judged"]
# Why a message was held, and what a channel answered, before the channel itself: an editor reads those first.
HISTORY_SHOWN = [
    "evaluated_at",
    "rule",
    "kind",
    "status",
    "view",
    "hold_reason",
    "answer",
    "attempts",
    "channel",
    "title",
]


_NAME_WORDS = 5  # a query rule is named after its first words: "putin-and-helsinki-or-summit"


def query_rule_name(query: str, taken: Collection[str]) -> str:
    """A name for a rule on `query` that no rule in `taken` has: its first words, lower case, joined by hyphens
    (`putin AND (helsinki OR summit)` → `putin-and-helsinki-or-summit`), else `query`; then `-2`, `-3`, … as an
    entity's "Alert me" rule is named."""
    stem = "-".join(re.findall(r"\w+", query.lower())[:_NAME_WORDS]) or "query"
    return next(name for n in range(1, len(taken) + 2) if (name := stem if n == 1 else f"{stem}-{n}") not in taken)


def _url(base_url: str, page: str, params: Mapping[str, str]) -> str:
    return f"{base_url.rstrip('/')}/{page}?{urlencode(params)}"


def rule_view_url(base_url: str, rule: AlertRule, *, first_day: date | None = None) -> str | None:
    """The Spikes view of a rule's entity or query (or, with `first_day`, of its episode starting then); None for
    a digest."""
    if rule.kind != "spike":
        return None
    subject = rule.query_text or rule.entity_id or ""
    episode = f"{subject}:{first_day.isoformat()}" if first_day else None
    # A query's view names no entity: the page's entity picker keeps its default beside the query.
    entity_id = "" if rule.query_text else rule.entity_id or ""
    params = SpikesView(entity_id=entity_id, episode_id=episode, query=rule.query_text).to_params()
    return _url(base_url, "spikes", params)


def _judged(rule: AlertRule) -> str:
    if rule.kind == "digest":
        watched = ", ".join(rule.entity_ids or ()) or "the alerts' entities"
        return f"daily at {rule.send_at} {rule.time_zone}; {watched}"
    parts = [f"score ≥ {rule.threshold or 3.5:g}", f"≥ {rule.min_articles or 5} articles", rule.time_zone]
    if rule.quiet_start:
        parts.append(f"quiet {rule.quiet_start}–{rule.quiet_end}")
    if rule.cooldown_hours is not None:
        parts.append(f"cooldown {rule.cooldown_hours:g} h")
    return ", ".join(parts)


def alert_rules_as_shown(
    rules: Sequence[AlertRule], names: Mapping[str, str], *, base_url: str, shown_as: Callable[[str], str]
) -> pd.DataFrame:
    """One row a rule: its name, its dashboard view (none for a digest), what it watches (an entity's name, a
    query, or a digest), its channels with secrets masked by `shown_as` (options after `?` left out) and how
    it judges."""
    rows = [
        {
            "name": rule.name,
            "watches": (
                names.get(rule.entity_id, rule.entity_id)
                if rule.entity_id
                else f"query: {rule.query_text}"
                if rule.query_text
                else "morning digest"
            ),
            "channels": ", ".join(shown_as(channel).split("?", 1)[0] for channel in rule.channels),
            "judged": _judged(rule),
            "view": rule_view_url(base_url, rule),
        }
        for rule in rules
    ]
    return pd.DataFrame(rows, columns=RULES_SHOWN)


def _episode_start(episode: object) -> date | None:
    if not isinstance(episode, str) or ":" not in episode:
        return None
    try:
        return date.fromisoformat(episode.rsplit(":", 1)[1])
    except ValueError:
        return None


def alert_history_as_shown(history: pd.DataFrame, rules: Sequence[AlertRule], *, base_url: str) -> pd.DataFrame:
    """The history newest first, one row per message and channel (masked, its options after `?` left out), each
    alert linked to its episode's view (a removed rule's messages keep no link)."""
    by_name = {rule.name: rule for rule in rules}
    if history.empty:
        return pd.DataFrame(columns=HISTORY_SHOWN)

    def view(row: pd.Series) -> str | None:
        rule = by_name.get(row["rule"])
        first_day = _episode_start(row["episode"])
        if rule is None or rule.kind != "spike" or first_day is None:
            return None
        return rule_view_url(base_url, rule, first_day=first_day)

    shown = history.assign(
        view=history.apply(view, axis=1), channel=history["channel"].fillna("").str.split("?", n=1).str[0]
    )
    shown = shown.sort_values(["evaluated_at", "message_id"], ascending=False, kind="stable")
    return shown[HISTORY_SHOWN].reset_index(drop=True)
