"""Alerts and the morning digest: coverage that comes to the newsroom (issue 16).

Rules and history live in the warehouse; this package judges (alerts.judgement, plain
Python over small frames), words (alerts.messages) and delivers through Apprise
(alerts.delivery). docs/alerts.md explains the method. Exceptions (alerts.errors):

    AlertsError
    ├── ChannelInvalid   a channel URL Apprise does not understand
    └── RuleInvalid      a rule that cannot work
"""

from alerts.delivery import check_channel, shown_as
from alerts.engine import (
    DEFAULT_DASHBOARD_URL,
    PassReport,
    add_digest_rule,
    add_spike_rule,
    background_passes,
    run_pass,
    send_digest,
    test_rule,
)
from alerts.errors import AlertsError, ChannelInvalid, RuleInvalid
from alerts.judgement import (
    BASELINE_WEEKS,
    DEFAULT_COOLDOWN_HOURS,
    DEFAULT_MIN_ARTICLES,
    DEFAULT_THRESHOLD,
    QuietHours,
    Verdict,
    judge,
)
from alerts.status import CHANNEL_FAILING_AFTER, failing_channels

__all__ = [
    "BASELINE_WEEKS",
    "CHANNEL_FAILING_AFTER",
    "DEFAULT_COOLDOWN_HOURS",
    "DEFAULT_DASHBOARD_URL",
    "DEFAULT_MIN_ARTICLES",
    "DEFAULT_THRESHOLD",
    "AlertsError",
    "ChannelInvalid",
    "PassReport",
    "QuietHours",
    "RuleInvalid",
    "Verdict",
    "add_digest_rule",
    "add_spike_rule",
    "background_passes",
    "check_channel",
    "failing_channels",
    "judge",
    "run_pass",
    "send_digest",
    "shown_as",
    "test_rule",
]
