"""The events calendar: summits, meetings, calls and elections that coverage is lined up against."""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path

import duckdb

from warehouse.engine.db import Warehouse, fetch_one
from warehouse.errors import UnknownEvent, WatchlistInvalid
from warehouse.rows import Event

__all__ = ["add_event", "list_events", "load_events_file", "remove_event"]

_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]*$")


def load_events_file(path: Path) -> list[Event]:
    """Read and validate an events calendar; errors name the file and the entry."""
    try:
        document = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise WatchlistInvalid(f"events file not found: {path}") from error
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise WatchlistInvalid(f"cannot read events file {path}: {error}") from error
    events = []
    for position, entry in enumerate(document.get("event", []), start=1):
        where = f"{path}: event #{position}"
        if not isinstance(entry, dict):
            raise WatchlistInvalid(f"{where}: expected a table")
        event_id = entry.get("id")
        start = entry.get("start")
        end = entry.get("end", start)
        if not isinstance(event_id, str) or not _ID_PATTERN.match(event_id):
            raise WatchlistInvalid(f"{where}: id must be lower-case letters, digits and _")
        if not isinstance(start, date) or not isinstance(end, date):
            raise WatchlistInvalid(f"{where} ({event_id}): start and end must be dates like 2018-07-16")
        events.append(
            validated_event(
                Event(
                    event_id=event_id,
                    name=str(entry.get("name", event_id)),
                    start_date=start,
                    end_date=end,
                    participants=tuple(entry.get("participants", [])),
                    place=str(entry.get("place", "")),
                    entity_ids=tuple(entry.get("entity_ids", [])),
                )
            )
        )
    return events


def validated_event(event: Event) -> Event:
    if not _ID_PATTERN.match(event.event_id):
        raise WatchlistInvalid(f"event id {event.event_id!r}: use lower-case letters, digits and _")
    if event.end_date < event.start_date:
        raise WatchlistInvalid(f"event {event.event_id}: ends ({event.end_date}) before it starts ({event.start_date})")
    return event


def upsert_events(connection: duckdb.DuckDBPyConnection, events: list[Event]) -> None:
    for event in events:
        connection.execute("DELETE FROM events WHERE event_id = ?", [event.event_id])
        connection.execute(
            "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                event.event_id,
                event.name,
                event.start_date,
                event.end_date,
                list(event.participants),
                event.place,
                list(event.entity_ids),
            ],
        )


def add_event(wh: Warehouse, event: Event) -> Event:
    """Add an event, or replace the one with the same id."""
    validated_event(event)
    with wh.writing() as connection:
        upsert_events(connection, [event])
    return event


def load_events(wh: Warehouse, path: Path) -> int:
    """Add or replace every event of a calendar file."""
    events = load_events_file(path)
    with wh.writing() as connection:
        upsert_events(connection, events)
    return len(events)


def remove_event(wh: Warehouse, event_id: str) -> None:
    with wh.writing() as connection:
        if fetch_one(connection.execute("SELECT event_id FROM events WHERE event_id = ?", [event_id])) is None:
            raise UnknownEvent(f"no event with id {event_id!r} (see 'newstally events list')")
        connection.execute("DELETE FROM events WHERE event_id = ?", [event_id])


def list_events(wh: Warehouse, *, start: date | None = None, end: date | None = None) -> list[Event]:
    """Events overlapping [start, end], by date."""
    with wh.reading() as connection:
        rows = connection.execute(
            "SELECT event_id, name, start_date, end_date, participants, place, entity_ids FROM events"
            " WHERE (? IS NULL OR end_date >= ?) AND (? IS NULL OR start_date <= ?)"
            " ORDER BY start_date, event_id",
            [start, start, end, end],
        ).fetchall()
    return [Event(row[0], row[1], row[2], row[3], tuple(row[4]), row[5], tuple(row[6])) for row in rows]
