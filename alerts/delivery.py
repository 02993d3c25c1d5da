"""Handing a message to a channel through Apprise, with retries, keeping what the channel answered.

A channel is an Apprise URL (`slack://…`, `workflows://…` for Teams, `mailto://…`, `json://host:port/path`).
E-mail channels get the HTML version (Apprise adds a plain-text part), every other channel the
chat-sized text. One attempt is one fresh Apprise object, so Apprise's own throttle never
sleeps between our attempts; our retries (RETRY_DELAYS_SECONDS) are the only ones.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import apprise

from alerts.errors import ChannelInvalid
from alerts.messages import Rendered

__all__ = [
    "RETRY_DELAYS_SECONDS",
    "Attempt",
    "check_channel",
    "deliver",
    "next_retry_at",
    "send_once",
    "shown_as",
]

logger = logging.getLogger(__name__)

# Within one pass: a second try after half a second, a third after two more. A channel
# still failing waits for later passes (next_retry_at), so a dead webhook never holds up
# the scheduler for more than these few seconds.
RETRY_DELAYS_SECONDS: tuple[float, ...] = (0.5, 2.0)
_EMAIL_SCHEMES = frozenset({"mailto", "mailtos"})
_ANSWER_LIMIT = 500


@dataclass(frozen=True)
class Attempt:
    ok: bool
    answer: str
    attempted_at: datetime  # UTC, wall clock


def _plugin(url: str):
    # Apprise's e-mail plugin imports the deprecated imghdr the first time a URL is parsed.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="'imghdr' is deprecated", category=DeprecationWarning)
        return apprise.Apprise.instantiate(url)


def check_channel(url: str) -> None:
    """Raise ChannelInvalid unless Apprise understands the URL."""
    apprise_logger = logging.getLogger("apprise")
    level = apprise_logger.level
    apprise_logger.setLevel(logging.CRITICAL)  # our one line says it; Apprise's own would be a second
    try:
        plugin = _plugin(url)
    finally:
        apprise_logger.setLevel(level)
    if plugin is None:
        scheme = urlsplit(url).scheme or url
        raise ChannelInvalid(
            f"not a channel URL Apprise understands: {scheme}://… (e.g. json://host:port/path, mailto://…, slack://…)"
        )


def shown_as(url: str) -> str:
    """The URL with its secrets masked, as Apprise prints it; only the scheme of one Apprise cannot read."""
    plugin = _plugin(url)
    return f"{urlsplit(url).scheme}://…" if plugin is None else str(plugin.url(privacy=True))


def send_once(url: str, message: Rendered) -> tuple[bool, str]:
    """One attempt: whether the channel took the message, and what it answered (Apprise's log of the call)."""
    plugin = _plugin(url)
    if plugin is None:
        return False, "not a channel URL Apprise understands"
    email = urlsplit(url).scheme.lower() in _EMAIL_SCHEMES
    body, body_format = (
        (message.html, apprise.NotifyFormat.HTML) if email else (message.chat, apprise.NotifyFormat.TEXT)
    )
    notifier = apprise.Apprise()
    notifier.add(plugin)
    with apprise.LogCapture(level=logging.INFO, fmt="%(levelname)s %(message)s") as captured:
        try:
            ok = bool(notifier.notify(body=body, title=message.title, body_format=body_format))
        except Exception as error:  # a plugin bug must cost one channel, not the pass
            logger.exception("channel %s raised", shown_as(url))
            ok, captured_error = False, f"{type(error).__name__}: {error}"
        else:
            captured_error = ""
        log = captured.getvalue()
    lines = [line.strip() for line in log.splitlines() if line.strip() and "Notifying" not in line]
    if not ok:
        lines = [line for line in lines if not line.startswith("INFO")] or lines
    answer = "; ".join(lines) or captured_error or ("sent" if ok else "failed, no answer")
    return ok, answer[:_ANSWER_LIMIT]


def deliver(
    url: str,
    message: Rendered,
    *,
    record: Callable[[Attempt], None],
    delays: Sequence[float] = RETRY_DELAYS_SECONDS,
) -> bool:
    """Try `1 + len(delays)` times, waiting `delays` seconds between; `record` is called after every attempt."""
    for attempt in range(len(delays) + 1):
        if attempt:
            time.sleep(delays[attempt - 1])
        ok, answer = send_once(url, message)
        record(Attempt(ok=ok, answer=answer, attempted_at=datetime.now(UTC)))
        if ok:
            return True
    return False


# Between passes: a channel that failed is tried again after 1, 2, 4 ... minutes, at most an hour apart,
# for a day after its first attempt.
FIRST_RETRY_GAP = timedelta(minutes=1)
LONGEST_RETRY_GAP = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(days=1)


def next_retry_at(last_attempt_at: datetime, attempts: int) -> datetime:
    """When a channel that failed `attempts` times, last at `last_attempt_at`, is due another try."""
    exponent = max(0, attempts - 1 - len(RETRY_DELAYS_SECONDS))
    gap = min(FIRST_RETRY_GAP * (2 ** min(exponent, 10)), LONGEST_RETRY_GAP)
    return last_attempt_at + gap
