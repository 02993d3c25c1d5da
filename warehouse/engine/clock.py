"""Conversions between the aware UTC datetimes callers use and the naive UTC the tables store."""

from __future__ import annotations

from datetime import UTC, datetime


def to_stored(moment: datetime) -> datetime:
    """Aware (any zone) or naive-UTC datetime → naive UTC for DuckDB TIMESTAMP columns."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def from_stored(moment: datetime | None) -> datetime | None:
    """Naive UTC from a TIMESTAMP column → aware UTC."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC)


def utc_now() -> datetime:
    return datetime.now(UTC)
