"""Alert rules, their episodes, the messages decided and every delivery attempt (migration 0005).

The SQL of issue 16's alerts and digests: what a rule watches, how many articles a window of a
day held (per outlet, so failed feeds can be weighed), the headlines of a window, and the
history `newstally alerts history` and `newstally status` read. Judging is not done here: the
`alerts` package decides from the small frames these functions return.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import pandas as pd

from warehouse.engine.ids import next_ids
from warehouse.errors import WarehouseError

if TYPE_CHECKING:
    import duckdb

    from warehouse.analysis.evidence import Headline
    from warehouse.counting.queries import Query
    from warehouse.engine.db import Warehouse

__all__ = [
    "ALERT_HISTORY_COLUMNS",
    "AlertEpisode",
    "AlertMessage",
    "AlertRule",
    "AlertRuleExists",
    "AlertRuleInvalid",
    "AlertSnapshot",
    "ChannelFailure",
    "PendingDelivery",
    "UnknownAlertRule",
    "add_alert_rule",
    "add_entity_alert_rule",
    "alert_episode_messages",
    "alert_headlines",
    "alert_history",
    "alert_pass_snapshot",
    "alert_window_counts",
    "alert_window_counts_many",
    "failing_alert_channels",
    "get_alert_rule",
    "list_alert_rules",
    "mark_alert_delivered",
    "note_alert_episode",
    "open_alert_episode",
    "record_alert_message",
    "record_delivery_attempt",
    "remove_alert_rule",
    "update_held_alert",
]

ALERT_HISTORY_COLUMNS = [
    "message_id",
    "rule",
    "kind",
    "episode",
    "evaluated_at",
    "status",
    "channel",
    "attempts",
    "last_attempt_at",
    "answer",
    "hold_reason",
    "articles",
    "share",
    "usual_share",
    "title",
]


class UnknownAlertRule(WarehouseError):
    """No alert or digest rule has that name."""


class AlertRuleExists(WarehouseError):
    """A rule of that name exists already."""


class AlertRuleInvalid(WarehouseError):
    """A rule that cannot work (no channel, a channel that is not a URL)."""


@dataclass(frozen=True)
class AlertRule:
    """A spike alert (on an entity or a query) or a digest, and where its messages go."""

    name: str
    kind: str  # "spike" | "digest"
    channels: tuple[str, ...]  # Apprise URLs
    time_zone: str = "UTC"
    entity_id: str | None = None
    query_text: str | None = None
    threshold: float | None = None
    min_articles: int | None = None
    quiet_start: str | None = None  # "HH:MM", local
    quiet_end: str | None = None
    cooldown_hours: float | None = None
    send_at: str | None = None  # digest: "HH:MM", local
    entity_ids: tuple[str, ...] | None = None  # digest: watched entities
    created_at: datetime | None = None  # UTC


@dataclass(frozen=True)
class AlertEpisode:
    """Consecutive local days on which a rule's coverage stood far above usual."""

    episode_id: str
    rule_name: str
    first_day: date
    last_day: date
    first_seen_at: datetime  # UTC


@dataclass(frozen=True)
class AlertMessage:
    """A message a pass decided on; `message_id` is None until recorded."""

    rule_name: str
    kind: str  # alert | update | digest | test
    evaluated_at: datetime  # UTC
    title: str
    body_text: str
    body_html: str
    body_chat: str
    episode_id: str | None = None
    status: str = "delivered"  # held | delivered
    hold_reason: str | None = None
    held_until: str | None = None
    articles: int | None = None
    total_articles: int | None = None
    share: float | None = None
    usual_share: float | None = None
    score: float | None = None
    message_id: int | None = None
    decided_at: datetime | None = field(default=None, compare=False)


@dataclass(frozen=True)
class PendingDelivery:
    """A channel whose latest attempt at a message failed: a candidate for another try."""

    message: AlertMessage
    channel: str
    attempts: int
    first_attempt_at: datetime  # UTC, wall clock
    last_attempt_at: datetime


@dataclass(frozen=True)
class ChannelFailure:
    """A channel failing without a success since `failing_since`."""

    shown_as: str
    failing_since: datetime  # UTC, wall clock
    answer: str


def _stored(moment: datetime) -> datetime:
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


def _aware(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.replace(tzinfo=UTC)


# --- rules ------------------------------------------------------------------------------------

_RULE_COLUMNS = (
    "name, kind, entity_id, query_text, channels, threshold, min_articles, quiet_start, quiet_end,"
    " cooldown_hours, send_at, entity_ids, time_zone, created_at"
)
_INSERT_RULE = f"INSERT INTO alert_rules ({_RULE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
_SELECT_RULES = f"SELECT {_RULE_COLUMNS} FROM alert_rules ORDER BY kind DESC, name"
_SELECT_RULE = f"SELECT {_RULE_COLUMNS} FROM alert_rules WHERE name = ?"
_DELETE_RULE = "DELETE FROM alert_rules WHERE name = ?"
_HAS_ALERT_TABLES = "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'alert_deliveries'"


def _rule(row: tuple) -> AlertRule:
    return AlertRule(
        name=row[0],
        kind=row[1],
        entity_id=row[2],
        query_text=row[3],
        channels=tuple(row[4]),
        threshold=row[5],
        min_articles=row[6],
        quiet_start=row[7],
        quiet_end=row[8],
        cooldown_hours=row[9],
        send_at=row[10],
        entity_ids=None if row[11] is None else tuple(row[11]),
        time_zone=row[12],
        created_at=_aware(row[13]),
    )


def add_alert_rule(wh: Warehouse, rule: AlertRule, *, now: datetime | None = None) -> AlertRule:
    """Store a new rule; a name in use is refused (AlertRuleExists), nothing is replaced."""
    created_at = now or datetime.now(UTC)
    with wh.writing() as connection:
        if connection.execute(_SELECT_RULE, [rule.name]).fetchall():
            raise AlertRuleExists(f"a rule named {rule.name!r} exists already; remove it first")
        connection.execute(
            _INSERT_RULE,
            [
                rule.name,
                rule.kind,
                rule.entity_id,
                rule.query_text,
                list(rule.channels),
                rule.threshold,
                rule.min_articles,
                rule.quiet_start,
                rule.quiet_end,
                rule.cooldown_hours,
                rule.send_at,
                None if rule.entity_ids is None else list(rule.entity_ids),
                rule.time_zone,
                _stored(created_at),
            ],
        )
    return get_alert_rule(wh, rule.name)


def _has_alert_tables(connection) -> bool:
    return connection.execute(_HAS_ALERT_TABLES).fetchall()[0][0] > 0


def list_alert_rules(wh: Warehouse) -> list[AlertRule]:
    """Every rule, spike alerts first, by name; none in a warehouse from before alerts existed."""
    with wh.reading() as connection:
        if not _has_alert_tables(connection):
            return []
        return [_rule(row) for row in connection.execute(_SELECT_RULES).fetchall()]


def get_alert_rule(wh: Warehouse, name: str) -> AlertRule:
    with wh.reading() as connection:
        rows = connection.execute(_SELECT_RULE, [name]).fetchall() if _has_alert_tables(connection) else []
    if not rows:
        raise UnknownAlertRule(f"no alert or digest named {name!r} (see 'newstally alerts list')")
    return _rule(rows[0])


def remove_alert_rule(wh: Warehouse, name: str) -> AlertRule:
    """Remove a rule; what it sent stays in the history."""
    rule = get_alert_rule(wh, name)
    with wh.writing() as connection:
        connection.execute(_DELETE_RULE, [name])
    return rule


_CHANNEL = re.compile(r"^[a-z][a-z0-9+.-]*://\S+$", re.IGNORECASE)


def add_entity_alert_rule(
    wh: Warehouse, entity_id: str, channels: Sequence[str], *, now: datetime | None = None
) -> AlertRule:
    """Store a spike rule on an entity with the default judgement (the dashboard's "Alert me"): named after
    the entity (`putin`, else `putin-2`, …), judged in UTC. Refuses in one line (AlertRuleInvalid,
    UnknownEntity) a channel that is not a URL or an entity not on the watchlist.

    Whether a channel's scheme is one Apprise speaks is for the caller to check first (the warehouse
    does not know Apprise); `newstally alerts add` sets the other options.
    """
    from warehouse.analysis.catalog import require_entities

    cleaned = tuple(channel.strip() for channel in channels if channel.strip())
    if not cleaned:
        raise AlertRuleInvalid("give a channel URL, e.g. json://host:port/path, mailto://… or slack://…")
    for channel in cleaned:
        if not _CHANNEL.match(channel):
            raise AlertRuleInvalid(f"not a channel URL: {channel[:60]!r} (e.g. json://host:port/path, mailto://…)")
    require_entities(wh, [entity_id])
    taken = {rule.name for rule in list_alert_rules(wh)}
    name = next(
        candidate
        for candidate in (entity_id if n == 1 else f"{entity_id}-{n}" for n in range(1, len(taken) + 2))
        if candidate not in taken
    )
    return add_alert_rule(wh, AlertRule(name=name, kind="spike", channels=cleaned, entity_id=entity_id), now=now)


# --- what a window of a day held -----------------------------------------------------------------

# Per window and outlet: bucketed articles, and those mentioning the entity (or matching the query).
# Whole quarter hours come from the slot rollups (migration 0004); the unfinished quarter hour at
# each window's end from the articles themselves, so a window ends exactly at its instant.
# Window starts are local midnights, which fall on quarter hours in every zone since 1990.
# A query's matches have no rollup: its hits are read from the articles and the temporary
# table of its matches (warehouse.counting.queries), the totals from the rollups as an entity's.
_WINDOWS = """
windows AS (
    SELECT unnest($weeks_back) AS weeks_back, unnest($starts) AS window_start,
           unnest($slot_ends) AS slot_end, unnest($ends) AS window_end
),
slot_totals AS (
    SELECT w.weeks_back, s.source_id, sum(s.articles) AS articles
    FROM windows w JOIN slot_articles s ON s.slot >= w.window_start AND s.slot < w.slot_end
    GROUP BY ALL
),
edge_articles AS MATERIALIZED (
    SELECT w.weeks_back, a.article_id, a.source_id
    FROM windows w JOIN articles a ON a.published_at >= w.slot_end AND a.published_at < w.window_end
    WHERE a.date_quality IN ('ok', 'missing')
),
edge_totals AS (
    SELECT weeks_back, source_id, count(*) AS articles FROM edge_articles GROUP BY ALL
),
totals AS (
    SELECT weeks_back, source_id, sum(articles) AS articles
    FROM (SELECT * FROM slot_totals UNION ALL SELECT * FROM edge_totals)
    GROUP BY ALL
),
"""
_ENTITY_HITS = """
slot_hits AS (
    SELECT w.weeks_back, s.source_id, sum(s.articles) AS articles
    FROM windows w JOIN slot_mentions s ON s.slot >= w.window_start AND s.slot < w.slot_end
    WHERE s.entity_id = $entity_id
    GROUP BY ALL
),
edge_hits AS (
    SELECT e.weeks_back, e.source_id, count(*) AS articles
    FROM edge_articles e JOIN mentions m ON m.article_id = e.article_id AND m.entity_id = $entity_id
    GROUP BY ALL
),
hits AS (
    SELECT weeks_back, source_id, sum(articles) AS articles
    FROM (SELECT * FROM slot_hits UNION ALL SELECT * FROM edge_hits)
    GROUP BY ALL
)
"""
_QUERY_HITS = """
hits AS (
    SELECT w.weeks_back, a.source_id, count(*) AS articles
    FROM {matches} q
    JOIN articles a ON a.article_id = q.article_id
    JOIN windows w ON a.published_at >= w.window_start AND a.published_at < w.window_end
    WHERE q.entity_id = $entity_id AND a.date_quality IN ('ok', 'missing')
    GROUP BY ALL
)
"""
_COUNTS = """
SELECT t.weeks_back, s.name AS source,
       CAST(coalesce(h.articles, 0) AS BIGINT) AS articles, CAST(t.articles AS BIGINT) AS total_articles
FROM totals t
LEFT JOIN hits h USING (weeks_back, source_id)
JOIN sources s ON s.source_id = t.source_id
ORDER BY t.weeks_back, source
"""
_WINDOW_COUNTS = "WITH" + _WINDOWS + _ENTITY_HITS + _COUNTS

WINDOW_COUNT_COLUMNS = ["weeks_back", "source", "articles", "total_articles"]


def _quarter_hour_floor(moment: datetime) -> datetime:
    return moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)


Windows = Sequence[tuple[int, datetime, datetime]]


def alert_window_counts(wh: Warehouse, subject: str | Query, windows: Windows) -> pd.DataFrame:
    """Per window (weeks_back, start, end; UTC, start on a quarter hour) and outlet: articles mentioning
    the entity (an id) or matching the query (a `Query`), and all bucketed articles published from start
    up to, not including, end.

    Columns weeks_back, source, articles, total_articles; an outlet that published nothing in a
    window has no row for it.
    """
    return alert_window_counts_many(wh, [(subject, windows)])[0]


def _query_key(number: int) -> str:
    return f"~alert{number:03d}"  # never an entity id (those are lower-case letters, digits, _)


def _query_matches(
    connection: duckdb.DuckDBPyConnection, queries: dict[str, Query], start: datetime, end: datetime
) -> str:
    """The temporary table of the queries' matches among articles published from `start` to before `end` (naive UTC)."""
    from warehouse.counting.queries import mentions_with_queries

    return mentions_with_queries(connection, queries, start_utc=start, end_utc=end, with_entities=False)


def alert_window_counts_many(wh: Warehouse, requests: Sequence[tuple[str | Query, Windows]]) -> list[pd.DataFrame]:
    """`alert_window_counts` of each (entity id or query, windows), in order, over one connection: a pass
    judging fifty rules opens the file once, and reads the articles once for all its queries."""
    from warehouse.counting.queries import Query

    keys: dict[int, str] = {}
    queries: dict[str, Query] = {}
    for number, (subject, _) in enumerate(requests):
        if isinstance(subject, Query):
            keys[number] = _query_key(len(queries))
            queries[keys[number]] = subject
    frames = []
    with wh.reading() as connection:
        query_sql = ""
        if queries:
            spans = [
                _stored(moment) for number in keys for _, start, end in requests[number][1] for moment in (start, end)
            ]
            matches = _query_matches(connection, queries, min(spans), max(spans))
            query_sql = "WITH" + _WINDOWS + _QUERY_HITS.format(matches=matches) + _COUNTS
        for number, (subject, windows) in enumerate(requests):
            starts = [_stored(start) for _, start, _ in windows]
            ends = [_stored(end) for _, _, end in windows]
            parameters = {
                "weeks_back": [weeks for weeks, _, _ in windows],
                "starts": starts,
                "slot_ends": [max(start, _quarter_hour_floor(end)) for start, end in zip(starts, ends, strict=True)],
                "ends": ends,
                "entity_id": keys.get(number, subject),
            }
            statement = query_sql if number in keys else _WINDOW_COUNTS
            frames.append(connection.execute(statement, parameters).df())
    return [_window_frame(frame) for frame in frames]


def _window_frame(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame({column: pd.Series(dtype="int64") for column in WINDOW_COUNT_COLUMNS}).astype(
            {"source": "object"}
        )
    return frame[WINDOW_COUNT_COLUMNS].astype({"weeks_back": "int64", "articles": "int64", "total_articles": "int64"})


# The stories behind a window, as spike episodes' headlines are chosen (docs/spikes.md):
# titles with the same content words are one story; stories carried by more outlets first,
# then one naming the entity in a title, then the earliest; each shown by its first article.
_WINDOW_HEADLINES = """
WITH candidates AS MATERIALIZED (
    SELECT a.article_id, a.source_id, a.published_at, a.title, m.in_title
    FROM {mentions} m
    JOIN articles a USING (article_id)
    WHERE m.entity_id = $entity_id AND a.date_quality IN ('ok', 'missing')
      AND a.published_at >= $start AND a.published_at < $end
),
stop_words AS (
    SELECT unnest($stop_words) AS word
),
story_keys AS (
    SELECT title, string_agg(word, ' ' ORDER BY word) AS story
    FROM (
        SELECT title, unnest(list_distinct(regexp_split_to_array(lower(title), '[^\\pL\\pN]+'))) AS word
        FROM (SELECT DISTINCT title FROM candidates)
    )
    WHERE word <> '' AND word NOT IN (SELECT word FROM stop_words)
    GROUP BY title
),
stories AS (
    SELECT count(DISTINCT c.source_id) AS outlets, bool_or(c.in_title) AS in_title,
           min((c.published_at, c.article_id)) AS first
    FROM candidates c
    LEFT JOIN story_keys k USING (title)
    GROUP BY coalesce(k.story, '')
    ORDER BY outlets DESC, in_title DESC, first
    LIMIT $limit
)
SELECT a.article_id, s.name AS source, a.published_at, a.title, a.url, st.outlets
FROM stories st
JOIN articles a ON a.article_id = st.first[2]
JOIN sources s ON s.source_id = a.source_id
ORDER BY st.outlets DESC, st.in_title DESC, st.first
"""


def alert_headlines(
    wh: Warehouse, subject: str | Query, *, start: datetime, end: datetime, limit: int = 3
) -> tuple[Headline, ...]:
    """The `limit` stories about the entity (an id) or matching the query most widely carried from `start`
    to `end` (UTC, end excluded)."""
    from warehouse.analysis.evidence import STOP_WORDS, Headline

    with wh.reading() as connection:
        mentions, key = "mentions", subject
        if not isinstance(subject, str):
            key = _query_key(0)
            mentions = _query_matches(connection, {key: subject}, _stored(start), _stored(end))
        rows = connection.execute(
            _WINDOW_HEADLINES.replace("{mentions}", mentions),
            {
                "entity_id": key,
                "start": _stored(start),
                "end": _stored(end),
                "stop_words": sorted(STOP_WORDS),
                "limit": limit,
            },
        ).fetchall()
    return tuple(
        Headline(
            article_id=int(article_id),
            source=source,
            published_at=published_at.replace(tzinfo=UTC),
            title=title,
            url=url,
            outlets=int(outlets),
        )
        for article_id, source, published_at, title, url, outlets in rows
    )


# --- episodes -----------------------------------------------------------------------------------

_OPEN_EPISODE = """
SELECT episode_id, rule_name, first_day, last_day, first_seen_at
FROM alert_episodes
WHERE rule_name = ? AND first_day <= ? AND last_day >= ?
ORDER BY first_day DESC
LIMIT 1
"""
_EXTEND_EPISODE = "UPDATE alert_episodes SET last_day = greatest(last_day, ?) WHERE episode_id = ?"
_EPISODE_BY_ID = (
    "SELECT episode_id, rule_name, first_day, last_day, first_seen_at FROM alert_episodes WHERE episode_id = ?"
)
_START_EPISODE = (
    "INSERT INTO alert_episodes (episode_id, rule_name, first_day, last_day, first_seen_at) VALUES (?, ?, ?, ?, ?)"
)


def open_alert_episode(wh: Warehouse, rule_name: str, day: date) -> AlertEpisode | None:
    """The rule's episode that was above usual on local `day` or the day before, if any."""
    with wh.reading() as connection:
        rows = connection.execute(_OPEN_EPISODE, [rule_name, day, day - timedelta(days=1)]).fetchall()
    return _episode(rows[0]) if rows else None


def _episode(row: Sequence) -> AlertEpisode:
    return AlertEpisode(row[0], row[1], row[2], row[3], row[4].replace(tzinfo=UTC))


def note_alert_episode(wh: Warehouse, rule_name: str, day: date, at: datetime) -> AlertEpisode:
    """The rule's episode going on on local `day`, judged above usual at `at`: the one that was above on
    this day or the day before (now extended to `day`), else a new one starting `day`."""
    with wh.writing() as connection:
        rows = connection.execute(_OPEN_EPISODE, [rule_name, day, day - timedelta(days=1)]).fetchall()
        if rows:
            episode_id = rows[0][0]
            connection.execute(_EXTEND_EPISODE, [day, episode_id])
        else:
            episode_id = f"{rule_name}:{day.isoformat()}"
            connection.execute(_START_EPISODE, [episode_id, rule_name, day, day, _stored(at)])
        row = connection.execute(_EPISODE_BY_ID, [episode_id]).fetchall()[0]
    return _episode(row)


# --- messages and deliveries --------------------------------------------------------------------

_MESSAGE_COLUMNS = (
    "message_id, rule_name, kind, episode_id, evaluated_at, decided_at, status, hold_reason, held_until, title,"
    " body_text, body_html, body_chat, articles, total_articles, share, usual_share, score"
)
_INSERT_MESSAGE = (
    f"INSERT INTO alert_messages ({_MESSAGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_EPISODE_MESSAGES = f"SELECT {_MESSAGE_COLUMNS} FROM alert_messages WHERE episode_id = ? ORDER BY message_id"
_MESSAGE_BY_ID = f"SELECT {_MESSAGE_COLUMNS} FROM alert_messages WHERE message_id = ?"
_IS_HELD = "SELECT count(*) FROM alert_messages WHERE message_id = ? AND status = 'held'"
_MARK_DELIVERED = "UPDATE alert_messages SET status = 'delivered', held_until = NULL WHERE message_id = ?"
# A message of this episode and kind handed to its channels, or waiting out quiet hours to be.
_ALREADY_DECIDED = (
    "SELECT count(*) FROM alert_messages"
    " WHERE episode_id = ? AND kind = ? AND (status = 'delivered' OR held_until IS NOT NULL)"
)
_UPDATE_HELD = (
    "UPDATE alert_messages SET evaluated_at = ?, decided_at = ?, hold_reason = ?, held_until = ?, title = ?,"
    " body_text = ?, body_html = ?, body_chat = ?, articles = ?, total_articles = ?, share = ?, usual_share = ?,"
    " score = ? WHERE message_id = ?"
)
_INSERT_ATTEMPT = (
    "INSERT INTO alert_deliveries (message_id, channel, shown_as, attempt, attempted_at, ok, answer)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)
# Per message and channel whose latest attempt failed: the attempts so far and when.
_PENDING = f"""
WITH per_channel AS (
    SELECT message_id, channel, count(*) AS attempts, min(attempted_at) AS first_at,
           max(attempted_at) AS last_at, arg_max(ok, attempt) AS last_ok
    FROM alert_deliveries
    GROUP BY ALL
)
SELECT p.channel, p.attempts, p.first_at, p.last_at, {", ".join(f"m.{c.strip()}" for c in _MESSAGE_COLUMNS.split(","))}
FROM per_channel p
JOIN alert_messages m USING (message_id)
WHERE NOT p.last_ok AND p.first_at >= ?
ORDER BY m.message_id, p.channel
"""
# Per channel: the failed attempts since its last success, if its latest failed.
_FAILING_CHANNELS = """
WITH per_channel AS (
    SELECT channel, arg_max(shown_as, attempted_at) AS shown_as, max(attempted_at) FILTER (WHERE ok) AS last_ok_at,
           arg_max(ok, attempted_at) AS latest_ok, arg_max(answer, attempted_at) AS latest_answer
    FROM alert_deliveries
    GROUP BY channel
)
SELECT p.shown_as, min(d.attempted_at) AS failing_since, p.latest_answer
FROM per_channel p
JOIN alert_deliveries d USING (channel)
WHERE NOT p.latest_ok AND NOT d.ok AND (p.last_ok_at IS NULL OR d.attempted_at > p.last_ok_at)
GROUP BY p.channel, p.shown_as, p.latest_answer
HAVING min(d.attempted_at) <= ?
ORDER BY p.shown_as
"""
_HISTORY = """
WITH per_channel AS (
    SELECT message_id, channel, arg_max(shown_as, attempt) AS shown_as, count(*) AS attempts,
           max(attempted_at) AS last_attempt_at, arg_max(ok, attempt) AS last_ok, arg_max(answer, attempt) AS answer
    FROM alert_deliveries
    GROUP BY message_id, channel
)
SELECT m.message_id, m.rule_name AS rule, m.kind, m.episode_id AS episode, m.evaluated_at,
       CASE WHEN m.status = 'held' THEN 'held'
            WHEN p.last_ok THEN 'sent'
            WHEN p.last_ok IS NULL THEN 'no channel'
            ELSE 'failed' END AS status,
       coalesce(p.shown_as, '') AS channel, coalesce(p.attempts, 0) AS attempts, p.last_attempt_at,
       coalesce(p.answer, '') AS answer, coalesce(m.hold_reason, '') AS hold_reason,
       m.articles, m.share, m.usual_share, m.title
FROM alert_messages m
LEFT JOIN per_channel p USING (message_id)
ORDER BY m.message_id, coalesce(p.shown_as, '')
"""


def _message(row: Sequence) -> AlertMessage:
    return AlertMessage(
        message_id=int(row[0]),
        rule_name=row[1],
        kind=row[2],
        episode_id=row[3],
        evaluated_at=row[4].replace(tzinfo=UTC),
        decided_at=row[5].replace(tzinfo=UTC),
        status=row[6],
        hold_reason=row[7],
        held_until=row[8],
        title=row[9],
        body_text=row[10],
        body_html=row[11],
        body_chat=row[12],
        articles=row[13],
        total_articles=row[14],
        share=row[15],
        usual_share=row[16],
        score=row[17],
    )


def _message_values(message: AlertMessage, decided_at: datetime) -> list:
    return [
        message.rule_name,
        message.kind,
        message.episode_id,
        _stored(message.evaluated_at),
        _stored(decided_at),
        message.status,
        message.hold_reason,
        message.held_until,
        message.title,
        message.body_text,
        message.body_html,
        message.body_chat,
        message.articles,
        message.total_articles,
        message.share,
        message.usual_share,
        message.score,
    ]


def record_alert_message(
    wh: Warehouse, message: AlertMessage, *, now: datetime | None = None, once: bool = False
) -> AlertMessage | None:
    """Store a decided message; returns it with its id.

    With `once`, nothing is stored (None is returned) when a message of the same episode and kind
    was delivered or waits out quiet hours already: two scheduler hosts judging the same episode
    at the same time send it once, as the check and the insert are one transaction.
    """
    decided_at = now or datetime.now(UTC)
    with wh.writing() as connection:
        if once and connection.execute(_ALREADY_DECIDED, [message.episode_id, message.kind]).fetchall()[0][0]:
            return None
        (message_id,) = next_ids(connection, "alert_message_ids", 1)
        connection.execute(_INSERT_MESSAGE, [message_id, *_message_values(message, decided_at)])
        row = connection.execute(_MESSAGE_BY_ID, [message_id]).fetchall()[0]
    return _message(row)


def update_held_alert(wh: Warehouse, message_id: int, message: AlertMessage, *, now: datetime | None = None) -> None:
    """Refresh a held message with a later pass's numbers and reason (one held row per episode and kind)."""
    values = _message_values(message, now or datetime.now(UTC))
    with wh.writing() as connection:
        connection.execute(_UPDATE_HELD, [*values[3:5], *values[6:], message_id])


def mark_alert_delivered(wh: Warehouse, message_id: int) -> bool:
    """Take a held message for handing to its channels (its hold reason stays as history); False when
    another pass took it first."""
    with wh.writing() as connection:
        if not connection.execute(_IS_HELD, [message_id]).fetchall()[0][0]:
            return False
        connection.execute(_MARK_DELIVERED, [message_id])
        return True


def alert_episode_messages(wh: Warehouse, episode_id: str) -> list[AlertMessage]:
    with wh.reading() as connection:
        return [_message(row) for row in connection.execute(_EPISODE_MESSAGES, [episode_id]).fetchall()]


def record_delivery_attempt(
    wh: Warehouse,
    message_id: int,
    *,
    channel: str,
    shown_as: str,
    attempt: int,
    attempted_at: datetime,
    ok: bool,
    answer: str,
) -> None:
    with wh.writing() as connection:
        connection.execute(_INSERT_ATTEMPT, [message_id, channel, shown_as, attempt, _stored(attempted_at), ok, answer])


@dataclass(frozen=True)
class AlertSnapshot:
    """What a pass needs to know before judging anything, read in one go."""

    rules: tuple[AlertRule, ...]
    pending: tuple[PendingDelivery, ...]  # channels whose latest attempt failed
    quiet_held: tuple[AlertMessage, ...]  # messages waiting out their rule's quiet hours
    last_delivered_at: dict[str, datetime]  # per rule: evaluation instant of its latest alert or update delivered
    digests: frozenset[str]  # episode ids (rule:local day) of the digests recorded
    entity_names: dict[str, str]


_LAST_DELIVERED_PER_RULE = (
    "SELECT rule_name, max(evaluated_at) FROM alert_messages"
    " WHERE status = 'delivered' AND kind IN ('alert', 'update') GROUP BY rule_name"
)
_ALL_QUIET_HELD = (
    f"SELECT {_MESSAGE_COLUMNS} FROM alert_messages WHERE status = 'held' AND held_until IS NOT NULL"
    " ORDER BY message_id"
)
_DIGESTS = "SELECT DISTINCT episode_id FROM alert_messages WHERE kind = 'digest'"
_ENTITY_NAMES = "SELECT entity_id, name FROM entities"


def alert_pass_snapshot(wh: Warehouse, *, retry_since: datetime) -> AlertSnapshot:
    """Rules, failed channels of messages first tried since `retry_since`, held messages, each rule's last
    delivery, the digests recorded and the entities' names: one read, so a pass opens the file rarely."""
    with wh.reading() as connection:
        names = dict(connection.execute(_ENTITY_NAMES).fetchall())
        if not _has_alert_tables(connection):
            return AlertSnapshot((), (), (), {}, frozenset(), names)
        rules = tuple(_rule(row) for row in connection.execute(_SELECT_RULES).fetchall())
        pending = tuple(_pending(row) for row in connection.execute(_PENDING, [_stored(retry_since)]).fetchall())
        held = tuple(_message(row) for row in connection.execute(_ALL_QUIET_HELD).fetchall())
        last = {rule: _aware(at) for rule, at in connection.execute(_LAST_DELIVERED_PER_RULE).fetchall()}
        digests = frozenset(row[0] for row in connection.execute(_DIGESTS).fetchall())
    return AlertSnapshot(rules, pending, held, last, digests, names)  # type: ignore[arg-type]


def _pending(row: Sequence) -> PendingDelivery:
    return PendingDelivery(
        message=_message(row[4:]),
        channel=row[0],
        attempts=int(row[1]),
        first_attempt_at=row[2].replace(tzinfo=UTC),
        last_attempt_at=row[3].replace(tzinfo=UTC),
    )


def failing_alert_channels(wh: Warehouse, *, now: datetime | None = None, after: timedelta) -> list[ChannelFailure]:
    """Channels whose latest attempt failed and that have failed, with no success between, for `after` or longer."""
    cutoff = (now or datetime.now(UTC)) - after
    with wh.reading() as connection:
        if not _has_alert_tables(connection):
            return []
        rows = connection.execute(_FAILING_CHANNELS, [_stored(cutoff)]).fetchall()
    return [ChannelFailure(shown_as=row[0], failing_since=row[1].replace(tzinfo=UTC), answer=row[2]) for row in rows]


def alert_history(wh: Warehouse) -> pd.DataFrame:
    """Every message decided, one row per channel it went to (a held one: one row): ALERT_HISTORY_COLUMNS.

    status is held, sent (the channel's latest attempt succeeded) or failed; attempts counts
    every try, retries across passes included; answer is what the channel said last.
    """
    with wh.reading() as connection:
        if not _has_alert_tables(connection):
            return pd.DataFrame(columns=ALERT_HISTORY_COLUMNS)
        frame = connection.execute(_HISTORY).df()
    for column in ("evaluated_at", "last_attempt_at"):
        frame[column] = pd.to_datetime(frame[column]).dt.tz_localize("UTC")
    return frame[ALERT_HISTORY_COLUMNS]
