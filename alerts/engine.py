"""One alerts pass: judge every spike rule, send what is due, hold what must wait, retry what failed; and digests.

The warehouse holds the rules and the history (warehouse.service.alerts), `alerts.judgement`
decides, `alerts.messages` words it, `alerts.delivery` hands it to the channels. Every
pass can run as if the clock were `at`, so rules can be tried against history.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

import warehouse
from alerts import delivery
from alerts.digest import digest_content
from alerts.errors import RuleInvalid
from alerts.judgement import (
    DEFAULT_COOLDOWN_HOURS,
    DEFAULT_MIN_ARTICLES,
    DEFAULT_THRESHOLD,
    Action,
    EpisodeState,
    QuietHours,
    Verdict,
    comparison_windows,
    decide,
    judge,
    missing_volume,
    parse_clock,
)
from alerts.messages import Rendered, render_alert, render_digest, spikes_url
from warehouse import AlertMessage, AlertRule, AlertSnapshot, Query, Warehouse

__all__ = [
    "DEFAULT_DASHBOARD_URL",
    "PassReport",
    "add_digest_rule",
    "add_spike_rule",
    "background_passes",
    "run_pass",
    "send_digest",
    "test_rule",
]

logger = logging.getLogger(__name__)

DEFAULT_DASHBOARD_URL = "http://127.0.0.1:8501"
EVENT_PROXIMITY_DAYS = 3
HEADLINES_PER_ALERT = 3

Emit = Callable[[str], None]


@dataclass
class PassReport:
    """What one pass did, one line per rule or message, and the counts."""

    lines: list[str] = field(default_factory=list)
    sent: int = 0  # messages every channel took
    held: int = 0
    failed: int = 0  # messages at least one channel refused after every retry


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise RuleInvalid(f"unknown time zone {name!r}; use an IANA name like Europe/Berlin") from None


def _check_channels(channels: Sequence[str]) -> tuple[str, ...]:
    if not channels:
        raise RuleInvalid("give at least one channel with --to URL")
    for channel in channels:
        delivery.check_channel(channel)
    return tuple(channels)


def add_spike_rule(
    wh: Warehouse,
    name: str,
    *,
    channels: Sequence[str],
    entity_id: str | None = None,
    query_text: str | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    min_articles: int = DEFAULT_MIN_ARTICLES,
    quiet: str | None = None,
    time_zone: str = "UTC",
    cooldown_hours: float = DEFAULT_COOLDOWN_HOURS,
) -> AlertRule:
    """Check and store a spike rule on an entity or a query."""
    if (entity_id is None) == (query_text is None):
        raise RuleInvalid("give exactly one of --entity ID or --query QUERY")
    if entity_id is not None:
        warehouse.require_entities(wh, [entity_id])
    if query_text is not None:
        try:
            warehouse.parse_query(query_text)
        except warehouse.QueryInvalid as error:
            raise RuleInvalid(str(error)) from None
    quiet_hours = None
    if quiet:
        try:
            quiet_hours = QuietHours.parse(quiet)
        except ValueError as error:
            raise RuleInvalid(str(error)) from None
    _zone(time_zone)
    if threshold <= 0 or cooldown_hours < 0 or min_articles < 1:
        raise RuleInvalid("threshold must be above 0, cooldown 0 hours or more, min-articles 1 or more")
    rule = AlertRule(
        name=name,
        kind="spike",
        channels=_check_channels(channels),
        time_zone=time_zone,
        entity_id=entity_id,
        query_text=query_text,
        threshold=threshold,
        min_articles=min_articles,
        quiet_start=None if quiet_hours is None else f"{quiet_hours.start:%H:%M}",
        quiet_end=None if quiet_hours is None else f"{quiet_hours.end:%H:%M}",
        cooldown_hours=cooldown_hours,
    )
    return warehouse.add_alert_rule(wh, rule)


def add_digest_rule(
    wh: Warehouse,
    name: str,
    *,
    channels: Sequence[str],
    send_at: str,
    time_zone: str = "UTC",
    entity_ids: Sequence[str] | None = None,
) -> AlertRule:
    """Check and store a digest sent every day at `send_at` (HH:MM, local to `time_zone`)."""
    try:
        clock = parse_clock(send_at)
    except ValueError as error:
        raise RuleInvalid(str(error)) from None
    _zone(time_zone)
    if entity_ids:
        warehouse.require_entities(wh, list(entity_ids))
    rule = AlertRule(
        name=name,
        kind="digest",
        channels=_check_channels(channels),
        time_zone=time_zone,
        send_at=f"{clock:%H:%M}",
        entity_ids=tuple(entity_ids) if entity_ids else None,
    )
    return warehouse.add_alert_rule(wh, rule)


# --- delivering and recording ------------------------------------------------------------------


def _rendered(message: AlertMessage) -> Rendered:
    return Rendered(message.title, message.body_text, message.body_html, message.body_chat)


def _deliver_recorded(
    wh: Warehouse, message: AlertMessage, channels: Sequence[str], delays: Sequence[float], report: PassReport
) -> bool:
    """Hand a recorded message to every channel, recording every attempt; True when all took it."""
    assert message.message_id is not None
    all_ok = True
    for channel in channels:
        shown = delivery.shown_as(channel)
        attempts = 0

        def record(attempt: delivery.Attempt, channel: str = channel, shown: str = shown) -> None:
            nonlocal attempts
            attempts += 1
            warehouse.record_delivery_attempt(
                wh,
                message.message_id,  # type: ignore[arg-type]
                channel=channel,
                shown_as=shown,
                attempt=attempts,
                attempted_at=attempt.attempted_at,
                ok=attempt.ok,
                answer=attempt.answer,
            )

        ok = delivery.deliver(channel, _rendered(message), record=record, delays=delays)
        all_ok &= ok
        outcome = "sent" if ok else f"FAILED after {attempts} attempts"
        report.lines.append(f"  {message.kind} {message.episode_id or message.rule_name} → {shown}: {outcome}")
    if all_ok:
        report.sent += 1
    else:
        report.failed += 1
    return all_ok


def _retry_failed(wh: Warehouse, snapshot: AlertSnapshot, now: datetime, report: PassReport) -> None:
    """Give channels that failed another try when their back-off has passed (one attempt each)."""
    rules = {rule.name for rule in snapshot.rules}
    for pending in snapshot.pending:
        if now < delivery.next_retry_at(pending.last_attempt_at, pending.attempts):
            continue
        if pending.message.rule_name not in rules:
            continue  # the rule was removed: its failed messages are history now
        ok, answer = delivery.send_once(pending.channel, _rendered(pending.message))
        shown = delivery.shown_as(pending.channel)
        warehouse.record_delivery_attempt(
            wh,
            pending.message.message_id,  # type: ignore[arg-type]
            channel=pending.channel,
            shown_as=shown,
            attempt=pending.attempts + 1,
            attempted_at=datetime.now(UTC),
            ok=ok,
            answer=answer,
        )
        state = "sent" if ok else "failed again"
        report.lines.append(f"retry {pending.attempts + 1} of message {pending.message.message_id} → {shown}: {state}")


# --- spike rules --------------------------------------------------------------------------------


def _failed_sources(wh: Warehouse, first_day: date, at: datetime) -> list[str]:
    """Outlets with a feed fetched but never successfully on a UTC day of the window (or, on days
    already over, not fetched at all)."""
    frame = warehouse.ingest_completeness(wh, first_day, at.date())
    if frame.empty:
        return []
    today = at.date()
    failed = (frame["feeds_fetched"] > frame["feeds_ok"]) | ((frame["day"] < today) & ~frame["complete"])
    return sorted(set(frame.loc[failed, "source"]))


def _episode_state(messages: Sequence[AlertMessage]) -> EpisodeState:
    alert = next((m for m in messages if m.kind == "alert" and (m.status == "delivered" or m.held_until)), None)
    return EpisodeState(
        alert_delivered=alert is not None,
        alert_share=None if alert is None else alert.share,
        update_done=any(m.kind == "update" and (m.status == "delivered" or m.held_until) for m in messages),
        waiting_quiet=any(m.status == "held" and m.held_until for m in messages),
    )


def _numbers_line(rule: AlertRule, verdict: Verdict) -> str:
    usual = "–" if verdict.usual_share is None else f"{100 * verdict.usual_share:.1f} %"
    watches = rule.entity_id or f"query {rule.query_text}"
    return (
        f"{rule.name} ({watches}): {verdict.articles} of {verdict.total_articles} articles"
        f" ({100 * verdict.share:.1f} %), usual {usual}, score {verdict.score}"
    )


def _evaluate_spike_rule(
    wh: Warehouse,
    rule: AlertRule,
    *,
    at: datetime,
    dry_run: bool,
    dashboard_url: str,
    delays: Sequence[float],
    snapshot: AlertSnapshot,
    subject: str | Query,
    counts: pd.DataFrame,
    report: PassReport,
    emit: Emit | None,
) -> None:
    """Judge one rule on its window `counts` (see `_windows`) of its `subject` (entity id or query) and act on it."""
    tz = _zone(rule.time_zone)
    local = at.astimezone(tz)
    quiet = QuietHours.parse(f"{rule.quiet_start}-{rule.quiet_end}") if rule.quiet_start and rule.quiet_end else None
    in_quiet = quiet is not None and quiet.contains(local.time())

    for held in (message for message in snapshot.quiet_held if message.rule_name == rule.name):
        if in_quiet:
            continue
        if dry_run:
            report.lines.append(f"{rule.name}: would send the {held.kind} held for quiet hours ({held.episode_id})")
            continue
        if not warehouse.mark_alert_delivered(wh, held.message_id):  # type: ignore[arg-type]
            continue  # another pass took it
        report.lines.append(f"{rule.name}: quiet hours over, sending the held {held.kind} ({held.episode_id})")
        _deliver_recorded(wh, held, rule.channels, delays, report)

    windows = comparison_windows(at, tz)
    threshold = rule.threshold or DEFAULT_THRESHOLD
    min_articles = rule.min_articles or DEFAULT_MIN_ARTICLES
    verdict = judge(counts, threshold=threshold, min_articles=min_articles)
    if not verdict.above:
        report.lines.append(f"{_numbers_line(rule, verdict)}: not far above usual ({verdict.why_not})")
        return

    day = local.date()
    if dry_run:
        episode = warehouse.open_alert_episode(wh, rule.name, day)
        episode_id = episode.episode_id if episode else f"{rule.name}:{day.isoformat()}"
        first_day = episode.first_day if episode else day
    else:
        episode = warehouse.note_alert_episode(wh, rule.name, day, at)
        episode_id, first_day = episode.episode_id, episode.first_day
    messages = warehouse.alert_episode_messages(wh, episode_id)
    failed = _failed_sources(wh, windows[0].start.date(), at)
    worst = None
    if failed:
        worst = judge(
            counts, threshold=threshold, min_articles=min_articles, extra_total=missing_volume(counts, failed)
        )
    decision = decide(
        verdict,
        state=_episode_state(messages),
        at=at,
        local_time=local.time(),
        quiet=quiet,
        cooldown=timedelta(hours=rule.cooldown_hours if rule.cooldown_hours is not None else DEFAULT_COOLDOWN_HOURS),
        last_delivered_at=snapshot.last_delivered_at.get(rule.name),
        worst_case=worst,
        failed_sources=failed,
    )
    if decision.action is Action.NOTHING:
        report.lines.append(f"{_numbers_line(rule, verdict)}: far above usual; nothing to send ({decision.reason})")
        return
    assert decision.kind is not None
    alert = next((m for m in messages if m.kind == "alert" and m.status == "delivered"), None)
    rendered = render_alert(
        kind=decision.kind,
        subject=_subject_name(rule, snapshot),
        verdict=verdict,
        local_at=local,
        headlines=warehouse.alert_headlines(wh, subject, start=windows[0].start, end=at, limit=HEADLINES_PER_ALERT),
        events=_events_near(wh, day),
        link=spikes_url(dashboard_url, rule.entity_id, first_day, query_text=rule.query_text),
        alert_share=None if alert is None else alert.share,
    )
    message = AlertMessage(
        rule_name=rule.name,
        kind=decision.kind,
        episode_id=episode_id,
        evaluated_at=at,
        title=rendered.title,
        body_text=rendered.text,
        body_html=rendered.html,
        body_chat=rendered.chat,
        status="held" if decision.action is Action.HOLD else "delivered",
        hold_reason=decision.reason or None,
        held_until=decision.held_until,
        articles=verdict.articles,
        total_articles=verdict.total_articles,
        share=round(verdict.share, 6),
        usual_share=None if verdict.usual_share is None else round(verdict.usual_share, 6),
        score=verdict.score,
    )
    if dry_run:
        verb = "would hold" if decision.action is Action.HOLD else "would send"
        report.lines.append(f"{_numbers_line(rule, verdict)}: {verb} the {decision.kind} ({episode_id})")
        if decision.reason:
            report.lines.append(f"  held: {decision.reason}")
        if emit is not None:
            emit(f"--- {rendered.title}\n{rendered.text}\n")
        return
    if decision.action is Action.HOLD:
        same = next((m for m in messages if m.kind == decision.kind and m.status == "held" and not m.held_until), None)
        if same is not None and decision.held_until is None:
            warehouse.update_held_alert(wh, same.message_id, message)  # type: ignore[arg-type]
        elif warehouse.record_alert_message(wh, message, once=decision.held_until is not None) is None:
            report.lines.append(f"{rule.name}: another pass decided the {decision.kind} already")
            return
        report.held += 1
        report.lines.append(f"{_numbers_line(rule, verdict)}: {decision.kind} HELD ({decision.reason})")
        return
    recorded = warehouse.record_alert_message(wh, message, once=True)
    if recorded is None:
        report.lines.append(f"{rule.name}: another pass sent the {decision.kind} already")
        return
    report.lines.append(f"{_numbers_line(rule, verdict)}: sending the {decision.kind} ({episode_id})")
    _deliver_recorded(wh, recorded, rule.channels, delays, report)


def _subject_name(rule: AlertRule, snapshot: AlertSnapshot) -> str:
    if rule.entity_id is not None:
        return snapshot.entity_names.get(rule.entity_id, rule.entity_id)
    return f"“{rule.query_text}”"


def _subjects(rules: Sequence[AlertRule], snapshot: AlertSnapshot, report: PassReport) -> dict[str, str | Query]:
    """What each spike rule that can be judged watches: its entity's id, or its query parsed."""
    subjects: dict[str, str | Query] = {}
    for rule in rules:
        if rule.kind != "spike":
            continue
        if rule.entity_id is not None:
            if rule.entity_id in snapshot.entity_names:
                subjects[rule.name] = rule.entity_id
            else:
                report.lines.append(f"{rule.name}: {rule.entity_id!r} is no longer in the watchlist; not evaluated")
            continue
        try:
            subjects[rule.name] = warehouse.parse_query(rule.query_text or "")
        except warehouse.QueryInvalid as error:
            report.lines.append(f"{rule.name}: its query cannot be read ({error}); not evaluated")
    return subjects


def _windows(rule: AlertRule, moment: datetime) -> list[tuple[int, datetime, datetime]]:
    return [(w.weeks_back, w.start, w.end) for w in comparison_windows(moment, _zone(rule.time_zone))]


def _events_near(wh: Warehouse, day: date) -> list[warehouse.Event]:
    near = timedelta(days=EVENT_PROXIMITY_DAYS)
    return warehouse.list_events(wh, start=day - near, end=day + near)


# --- digests ------------------------------------------------------------------------------------


def _digest_message(
    wh: Warehouse, rule: AlertRule, at: datetime, dashboard_url: str, watched_default: Sequence[str]
) -> AlertMessage:
    local = at.astimezone(_zone(rule.time_zone))
    content = digest_content(
        wh,
        day=local.date(),
        time_zone=rule.time_zone,
        at=at,
        watched=list(rule.entity_ids or watched_default),
        dashboard_url=dashboard_url,
    )
    rendered = render_digest(rule.name, content)
    return AlertMessage(
        rule_name=rule.name,
        kind="digest",
        episode_id=f"{rule.name}:{local.date().isoformat()}",
        evaluated_at=at,
        title=rendered.title,
        body_text=rendered.text,
        body_html=rendered.html,
        body_chat=rendered.chat,
    )


def send_digest(
    wh: Warehouse,
    name: str,
    *,
    at: datetime | None = None,
    dry_run: bool = False,
    dashboard_url: str = DEFAULT_DASHBOARD_URL,
    delays: Sequence[float] = delivery.RETRY_DELAYS_SECONDS,
    emit: Emit | None = None,
    report: PassReport | None = None,
    once: bool = False,
) -> PassReport:
    """Build the digest `name` for the local day of `at` (default: now) and send it (or, dry, print it).

    With `once` (the scheduled digest), not when that day's digest was sent already."""
    report = report if report is not None else PassReport()
    rule = warehouse.get_alert_rule(wh, name)
    if rule.kind != "digest":
        raise RuleInvalid(f"{name!r} is a spike alert, not a digest: use 'newstally alerts test {name}'")
    moment = at or datetime.now(UTC)
    spike_rules = [r.entity_id for r in warehouse.list_alert_rules(wh) if r.kind == "spike" and r.entity_id]
    message = _digest_message(wh, rule, moment, dashboard_url, spike_rules)
    if dry_run:
        report.lines.append(f"{name}: would send the digest {message.episode_id}")
        if emit is not None:
            emit(f"--- {message.title}\n{message.body_text}\n\n--- chat version\n{message.body_chat}\n")
        return report
    recorded = warehouse.record_alert_message(wh, message, once=once)
    if recorded is None:
        report.lines.append(f"{name}: the digest {message.episode_id} was sent already")
        return report
    report.lines.append(f"{name}: sending the digest {message.episode_id}")
    _deliver_recorded(wh, recorded, rule.channels, delays, report)
    return report


def _digest_due(snapshot: AlertSnapshot, rule: AlertRule, at: datetime) -> bool:
    local = at.astimezone(_zone(rule.time_zone))
    if rule.send_at is None or local.time() < parse_clock(rule.send_at):
        return False
    return f"{rule.name}:{local.date().isoformat()}" not in snapshot.digests


# --- the pass -----------------------------------------------------------------------------------


def run_pass(
    wh: Warehouse,
    *,
    at: datetime | None = None,
    dry_run: bool = False,
    dashboard_url: str = DEFAULT_DASHBOARD_URL,
    delays: Sequence[float] = delivery.RETRY_DELAYS_SECONDS,
    emit: Emit | None = None,
) -> PassReport:
    """One evaluation pass as if the clock were `at` (default: now): retry failed channels, judge every spike
    rule, send each digest due today and not sent yet. `dry_run` records and sends nothing; `emit` gets the
    text of each message that would go."""
    report = PassReport()
    now = datetime.now(UTC)
    moment = (at or now).astimezone(UTC)
    snapshot = warehouse.alert_pass_snapshot(wh, retry_since=now - delivery.GIVE_UP_AFTER)
    if not snapshot.rules:
        report.lines.append("no alert rules (add one with 'newstally alerts add')")
        return report
    if not dry_run:
        _retry_failed(wh, snapshot, now, report)
    subjects = _subjects(snapshot.rules, snapshot, report)
    judged = [rule for rule in snapshot.rules if rule.name in subjects]
    all_counts = warehouse.alert_window_counts_many(
        wh, [(subjects[rule.name], _windows(rule, moment)) for rule in judged]
    )
    counts_by_rule = dict(zip([rule.name for rule in judged], all_counts, strict=True))
    for rule in snapshot.rules:
        try:
            if rule.kind == "spike" and rule.name not in counts_by_rule:
                continue  # said why in _subjects
            elif rule.kind == "spike":
                _evaluate_spike_rule(
                    wh,
                    rule,
                    at=moment,
                    dry_run=dry_run,
                    dashboard_url=dashboard_url,
                    delays=delays,
                    snapshot=snapshot,
                    subject=subjects[rule.name],
                    counts=counts_by_rule[rule.name],
                    report=report,
                    emit=emit,
                )
            elif _digest_due(snapshot, rule, moment):
                send_digest(
                    wh, rule.name, at=moment, dry_run=dry_run, dashboard_url=dashboard_url, delays=delays,
                    emit=emit, report=report, once=True,
                )  # fmt: skip
        except warehouse.UnknownEntity as error:
            # The watchlist lost the entity since the rule was made: say so, judge the others.
            report.lines.append(f"{rule.name}: {error}")
    return report


def test_rule(wh: Warehouse, name: str, *, delays: Sequence[float] = ()) -> list[tuple[str, bool, str]]:
    """Send a test message through each channel of rule `name`: (channel as shown, took it, what it answered)."""
    rule = warehouse.get_alert_rule(wh, name)
    what = rule.entity_id or rule.query_text or "the digest"
    title = f"newstally test: rule {rule.name}"
    text = f"A test of the newstally rule {rule.name} ({rule.kind}, {what}). If you read this, the channel works."
    message = warehouse.record_alert_message(
        wh,
        AlertMessage(
            rule_name=rule.name,
            kind="test",
            evaluated_at=datetime.now(UTC),
            title=title,
            body_text=text,
            body_html=f"<p>{text}</p>",
            body_chat=text,
        ),
    )
    assert message is not None  # a test is never refused as a repeat
    results = []
    for channel in rule.channels:
        answers: list[delivery.Attempt] = []

        def record(attempt: delivery.Attempt, channel: str = channel, answers: list = answers) -> None:
            answers.append(attempt)
            warehouse.record_delivery_attempt(
                wh,
                message.message_id,  # type: ignore[arg-type]
                channel=channel,
                shown_as=delivery.shown_as(channel),
                attempt=len(answers),
                attempted_at=attempt.attempted_at,
                ok=attempt.ok,
                answer=attempt.answer,
            )

        ok = delivery.deliver(channel, _rendered(message), record=record, delays=delays)
        results.append((delivery.shown_as(channel), ok, answers[-1].answer))
    return results


def background_passes(wh: Warehouse, *, dashboard_url: str = DEFAULT_DASHBOARD_URL) -> Callable[[], None]:
    """A callable for the scheduler to call after every fetch pass: it starts an alerts pass in its own
    thread and returns at once, so a slow or dead channel never delays fetching. A pass still running
    when the next is due is not doubled; errors are logged, never raised."""
    running = threading.Lock()

    def one_pass() -> None:
        try:
            report = run_pass(wh, dashboard_url=dashboard_url)
            for line in report.lines:
                logger.debug("alerts: %s", line)
            if report.sent or report.held or report.failed:
                logger.info("alerts pass: %d sent, %d held, %d failed", report.sent, report.held, report.failed)
        except Exception:
            logger.exception("alerts pass failed")
        finally:
            running.release()

    def start() -> None:
        if not running.acquire(blocking=False):
            logger.info("alerts pass still running; skipping this one")
            return
        # Not a daemon: a scheduler told to stop waits for a running pass to finish, so the
        # interpreter never tears DuckDB down under a query (that aborts the process).
        threading.Thread(target=one_pass, name="alerts-pass", daemon=False).start()

    return start
