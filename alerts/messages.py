"""What an alert and a digest say: plain text, HTML for e-mail, and a chat-sized version."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode

from alerts.judgement import Verdict
from warehouse import Event, Headline

__all__ = [
    "CHAT_LIMIT",
    "DigestContent",
    "EntityChange",
    "Rendered",
    "render_alert",
    "render_digest",
    "spikes_url",
]

CHAT_LIMIT = 1500  # characters: a chat message an editor reads without scrolling


@dataclass(frozen=True)
class Rendered:
    title: str
    text: str
    html: str
    chat: str


def spikes_url(dashboard_url: str, entity_id: str | None, episode_start: date, *, query_text: str | None = None) -> str:
    """The dashboard's Spikes view of an entity's episode, or with `query_text` of the query's
    (dashboard.url_state.SpikesView's parameters: `entity=putin&spike=putin:2018-07-14`, `q=…&spike=…:2018-07-14`)."""
    params = {"q": query_text} if query_text else {"entity": entity_id or ""}
    params["spike"] = f"{query_text or entity_id}:{episode_start.isoformat()}"
    return f"{dashboard_url.rstrip('/')}/spikes?{urlencode(params)}"


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{100 * share:.1f} %"


def _headline_line(headline: Headline) -> str:
    others = f" (and {headline.outlets - 1} more outlets)" if headline.outlets > 1 else ""
    return f"{headline.title} — {headline.source}{others} {headline.url}"


def _event_line(event: Event) -> str:
    days = f"{event.start_date:%d %b %Y}" + (
        f" – {event.end_date:%d %b %Y}" if event.end_date > event.start_date else ""
    )
    place = f" ({event.place})" if event.place else ""
    return f"{days}: {event.name}{place}"


def _chat(lines: Sequence[str]) -> str:
    text = "\n".join(lines)
    return text if len(text) <= CHAT_LIMIT else text[: CHAT_LIMIT - 1] + "…"


def render_alert(
    *,
    kind: str,
    subject: str,
    verdict: Verdict,
    local_at: datetime,
    headlines: Sequence[Headline],
    events: Sequence[Event],
    link: str,
    alert_share: float | None = None,
) -> Rendered:
    """An alert (or its update) on `subject` (an entity's name or a query), judged at `local_at` (rule's zone)."""
    against = verdict.against_usual
    multiple = f"{against:.1f}× usual" if against is not None else "none usually"
    word = "Update" if kind == "update" else "Alert"
    title = f"newstally {word}: {subject} far above usual ({multiple})"
    numbers = (
        f"{subject}: {verdict.articles} of {verdict.total_articles} articles so far today ({_percent(verdict.share)})"
        f" by {local_at:%H:%M} {local_at.tzname()} on {local_at:%a %d %b %Y}."
    )
    usual = (
        f"Usual by this hour on a {local_at:%A}: {_percent(verdict.usual_share)}, about"
        f" {verdict.usual_articles or 0:.0f} articles (median of {verdict.weeks_judged} weeks); score {verdict.score}."
    )
    lines = [numbers, usual]
    if kind == "update" and alert_share is not None:
        lines.append(f"The share has doubled since the alert ({_percent(alert_share)}).")
    text_lines = [*lines, "", "Headlines:"]
    text_lines += [f"- {_headline_line(h)}" for h in headlines] or ["- (none)"]
    if events:
        text_lines += ["", "Calendar, within 3 days:"] + [f"- {_event_line(e)}" for e in events]
    text_lines += ["", f"Spikes view: {link}"]
    html_parts = [f"<p>{html.escape(line)}</p>" for line in lines]
    html_parts.append("<p><b>Headlines</b></p><ul>")
    html_parts += [
        f'<li><a href="{html.escape(h.url)}">{html.escape(h.title)}</a> — {html.escape(h.source)}'
        + (f" (and {h.outlets - 1} more outlets)" if h.outlets > 1 else "")
        + "</li>"
        for h in headlines
    ]
    html_parts.append("</ul>")
    if events:
        html_parts.append("<p><b>Calendar, within 3 days</b></p><ul>")
        html_parts += [f"<li>{html.escape(_event_line(e))}</li>" for e in events]
        html_parts.append("</ul>")
    html_parts.append(f'<p><a href="{html.escape(link)}">Open the Spikes view</a></p>')
    chat_lines = [title, numbers, *(f"• {_headline_line(h)}" for h in headlines)]
    if events:
        chat_lines.append("Calendar: " + "; ".join(_event_line(e) for e in events))
    chat_lines.append(link)
    return Rendered(title, "\n".join(text_lines), "\n".join(html_parts), _chat(chat_lines))


@dataclass(frozen=True)
class EntityChange:
    """An entity's share over the last 7 days against the 7 before."""

    entity_id: str
    name: str
    share: float
    previous_share: float
    articles: int

    @property
    def change(self) -> float:
        return self.share - self.previous_share


@dataclass(frozen=True)
class SpikeLine:
    name: str
    entity_id: str
    peak: date
    share: float
    usual_share: float
    headline: Headline | None
    link: str


@dataclass(frozen=True)
class DigestContent:
    """Everything a digest shows, gathered for one local day."""

    day: date  # the local day the digest is for (sent that morning)
    rose: tuple[EntityChange, ...]
    fell: tuple[EntityChange, ...]
    spikes: tuple[SpikeLine, ...]
    events: tuple[Event, ...]
    watched: tuple[EntityChange, ...]
    link: str  # the dashboard


def _change_line(change: EntityChange) -> str:
    points = 100 * change.change
    return (
        f"{change.name}: {_percent(change.share)} (week before {_percent(change.previous_share)}, {points:+.1f} points)"
    )


def _spike_line(spike: SpikeLine) -> str:
    top = f" — {spike.headline.title} ({spike.headline.source}) {spike.headline.url}" if spike.headline else ""
    usual = _percent(spike.usual_share)
    return f"{spike.name}, peak {spike.peak:%d %b}: {_percent(spike.share)} against a usual {usual}{top}"


def render_digest(name: str, content: DigestContent) -> Rendered:
    """The morning digest: rises and falls, yesterday's spikes, the coming week, the watched entities."""
    title = f"newstally digest {name}: {content.day:%a %d %b %Y}"
    sections: list[tuple[str, list[str]]] = [
        ("Rose most against the week before", [_change_line(c) for c in content.rose]),
        ("Fell most against the week before", [_change_line(c) for c in content.fell]),
        ("Spikes of the last day", [_spike_line(s) for s in content.spikes]),
        ("Calendar, the coming week", [_event_line(e) for e in content.events]),
        ("Watched, share of coverage over the last 7 days", [_change_line(c) for c in content.watched]),
    ]
    text_lines = [title]
    html_parts = [f"<h2>{html.escape(title)}</h2>"]
    for heading, lines in sections:
        text_lines += ["", f"{heading}:"] + ([f"- {line}" for line in lines] or ["- (none)"])
        html_parts.append(f"<h3>{html.escape(heading)}</h3><ul>")
        html_parts += [f"<li>{html.escape(line)}</li>" for line in lines] or ["<li>(none)</li>"]
        html_parts.append("</ul>")
    text_lines += ["", f"Dashboard: {content.link}"]
    html_parts.append(f'<p><a href="{html.escape(content.link)}">Open the dashboard</a></p>')
    chat_lines = [title]
    if content.rose:
        chat_lines.append("Up: " + "; ".join(f"{c.name} {100 * c.change:+.1f} pts" for c in content.rose))
    if content.fell:
        chat_lines.append("Down: " + "; ".join(f"{c.name} {100 * c.change:+.1f} pts" for c in content.fell))
    chat_lines += [f"Spike: {_spike_line(s)}" for s in content.spikes]
    if content.events:
        chat_lines.append("Coming: " + "; ".join(_event_line(e) for e in content.events))
    if content.watched:
        chat_lines.append("Watched: " + "; ".join(f"{c.name} {_percent(c.share)}" for c in content.watched))
    chat_lines.append(content.link)
    return Rendered(title, "\n".join(text_lines), "\n".join(html_parts), _chat(chat_lines))
