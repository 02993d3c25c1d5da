"""How often to fetch each feed, and when to give up on one: the fetcher's politeness policy.

Pure functions of a feed's stored state and one fetch's result, so the policy is
unit-testable without a network or a database. The scheduler turns their answers
into a `FeedPlan` that the warehouse stores together with the fetch.

- A feed that has new items is polled more often, one that has none less often,
  within 5 minutes and 6 hours; feeds on this machine (the demo) stay at 1 minute.
- After the n-th failure in a row the wait is the interval times 2**n, at most
  6 hours, and never earlier than the server's Retry-After.
- A feed is disabled, with the reason kept, when the server says 410 Gone or
  after 10 failures in a row; `newstally feeds enable ID` gives it a clean slate.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from warehouse import Feed, FeedPlan, FetchOutcome, FetchResult

__all__ = [
    "DEFAULT_HOST_GAP_SECONDS",
    "DEFAULT_INTERVAL",
    "LOCAL_INTERVAL",
    "MAX_BACKOFF",
    "MAX_CONSECUTIVE_FAILURES",
    "MAX_INTERVAL",
    "MAX_RETRY_AFTER",
    "MIN_INTERVAL",
    "SUCCESSFUL",
    "disable_reason",
    "host_gap_seconds",
    "is_local",
    "next_fetch_time",
    "plan_next_fetch",
    "poll_interval",
]

DEFAULT_INTERVAL = timedelta(minutes=15)
# The demo's feed server on this machine: cheap to ask, and a demo should move.
LOCAL_INTERVAL = timedelta(minutes=1)
MIN_INTERVAL = timedelta(minutes=5)
MAX_INTERVAL = timedelta(hours=6)
MAX_BACKOFF = timedelta(hours=6)
MAX_CONSECUTIVE_FAILURES = 10
# A Retry-After further out than this is a misconfigured server, not a plan.
MAX_RETRY_AFTER = timedelta(days=7)
# Spread of the random offset added to each remote feed's next fetch, as a share of
# its interval, so feeds added together do not stay in lock-step for ever.
JITTER_SHARE = 0.1

# Growing by half when nothing is new and halving when something is: a feed that
# publishes once a day drifts to the 6-hour ceiling within a day of quiet polls,
# and a busy wire falls back to 5 minutes within a few polls.
_QUIET_GROWTH = 1.5
_BUSY_SHRINK = 0.5

# The least time between the starts of two requests to one host: one request in
# flight per host is not polite enough when a host serves dozens of our feeds.
# Four requests a second at most: an outlet with 20 feeds is polled in 5 s, and
# `--host-gap` sets more for a host that asks for it.
DEFAULT_HOST_GAP_SECONDS = 0.25

SUCCESSFUL = frozenset({FetchOutcome.NEW_CONTENT, FetchOutcome.NOT_MODIFIED, FetchOutcome.PARTIAL})
_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
_GONE = 410


def is_local(url: str) -> bool:
    """Whether the feed is served from this machine (the demo feed server, test servers)."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return False
    return host in _LOCAL_HOSTS


def host_gap_seconds(url: str) -> float:
    """The least time between two requests to the feed's host: none for this machine, else the default."""
    return 0.0 if is_local(url) else DEFAULT_HOST_GAP_SECONDS


def poll_interval(feed: Feed, result: FetchResult, *, new_items: int | None = None) -> timedelta:
    """The feed's interval after this fetch: shorter when it had new items, longer when it had none.

    `new_items` is how many of the fetched items the warehouse did not have yet;
    None (not known) keeps the interval as it is. Failures leave it alone: back-off
    is applied on top of it, not instead of it.
    """
    if is_local(feed.url):
        return LOCAL_INTERVAL
    current = timedelta(seconds=feed.poll_interval_seconds) if feed.poll_interval_seconds else DEFAULT_INTERVAL
    if result.outcome not in SUCCESSFUL or new_items is None:
        return current
    adapted = current * (_BUSY_SHRINK if new_items > 0 else _QUIET_GROWTH)
    return min(max(adapted, MIN_INTERVAL), MAX_INTERVAL)


def next_fetch_time(feed: Feed, result: FetchResult, *, now: datetime, new_items: int | None = None) -> datetime:
    """When to fetch the feed again, given how this fetch went (without jitter).

    After a success: the (adapted) interval. After the n-th failure in a row: the
    interval times 2**n, capped at 6 hours, and not before the server's Retry-After.
    """
    interval = poll_interval(feed, result, new_items=new_items)
    if result.outcome in SUCCESSFUL:
        return now + interval
    failures = feed.consecutive_failures + 1
    # Capping the exponent first keeps 2**n small for a feed that has failed for months.
    backoff = now + min(interval * 2 ** min(failures, 32), MAX_BACKOFF)
    if result.retry_after is not None:
        return max(backoff, min(result.retry_after, now + MAX_RETRY_AFTER))
    return backoff


def disable_reason(feed: Feed, result: FetchResult) -> str | None:
    """Why this fetch should disable the feed, or None to keep fetching it."""
    if result.status_code == _GONE:
        return "HTTP 410 Gone: the server says the feed was removed for good"
    if result.outcome in SUCCESSFUL:
        return None
    failures = feed.consecutive_failures + 1
    if failures >= MAX_CONSECUTIVE_FAILURES:
        return f"{failures} consecutive failures; the last: {result.error or result.outcome.value}"
    return None


def plan_next_fetch(
    feed: Feed, result: FetchResult, new_items: int, *, now: datetime, rng: random.Random | None = None
) -> FeedPlan:
    """Everything the warehouse should remember about the feed after this fetch.

    Remote feeds get a random offset of up to a tenth of their interval either way;
    a Retry-After is still honoured, since the offset is never negative past it.
    """
    interval = poll_interval(feed, result, new_items=new_items)
    next_at = next_fetch_time(feed, result, now=now, new_items=new_items)
    if not is_local(feed.url):
        spread = (rng or random).uniform(-JITTER_SHARE, JITTER_SHARE) * interval
        floor = result.retry_after if result.retry_after is not None else now + MIN_INTERVAL / 2
        next_at = max(next_at + spread, min(floor, now + MAX_RETRY_AFTER))
    return FeedPlan(
        next_fetch_at=next_at,
        poll_interval_seconds=round(interval.total_seconds()),
        disabled_reason=disable_reason(feed, result),
    )
