"""What the alerts package raises for a user's mistake.

AlertsError
├── ChannelInvalid   a channel URL Apprise does not understand
└── RuleInvalid      a rule that cannot work (bad quiet hours, unknown zone, no entity or query)
"""

from __future__ import annotations

__all__ = ["AlertsError", "ChannelInvalid", "RuleInvalid"]


class AlertsError(Exception):
    """A mistake in what was asked of alerts; its message is one line for the user."""


class ChannelInvalid(AlertsError):
    pass


class RuleInvalid(AlertsError):
    pass
