"""A feed document's items as its reader found them, before cleaning.

Both readers (lxml's fast one and feedparser) produce these; one cleaning step in
`ingest.parsing` turns them into warehouse rows, so a story is stored the same
whichever reader read it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

__all__ = ["RawEntry", "RawFeed"]


@dataclass(frozen=True)
class RawEntry:
    """One item: text fields as the document has them (HTML allowed), links resolved against the base."""

    guid: str
    link: str
    title: str
    summary: str  # the item's description or summary, else its first content
    published: time.struct_time | None  # UTC
    updated: time.struct_time | None  # UTC; used when there is no published date


@dataclass(frozen=True)
class RawFeed:
    """One document: its own title and link, its items, and what is wrong with it."""

    title: str
    link: str
    entries: tuple[RawEntry, ...]
    items_seen: int
    problem: str | None = None
    # The document's own time: RSS lastBuildDate (else the channel's pubDate), Atom's feed-level updated; UTC.
    updated: time.struct_time | None = None
    # The reader stopped at the item cap: `entries` are the first items, and the document holds more.
    cut_at_cap: bool = False
    # The reader stopped at the fetch's deadline: `entries` are the items read by then.
    timed_out: bool = False

    def with_problem(self, problem: str, *, first: bool = False) -> RawFeed:
        """The same feed with one more problem noted, before or after those already known."""
        parts = [problem, self.problem] if first else [self.problem, problem]
        return replace(self, problem="; ".join(part for part in parts if part))
