"""Which channels have been failing long enough for `newstally status` to say so."""

from __future__ import annotations

from datetime import datetime, timedelta

import warehouse
from warehouse import ChannelFailure, Warehouse

__all__ = ["CHANNEL_FAILING_AFTER", "failing_channels"]

# A chat webhook that blips for minutes is weather; an hour without getting through is a broken channel.
CHANNEL_FAILING_AFTER = timedelta(hours=1)


def failing_channels(wh: Warehouse, *, now: datetime | None = None) -> list[ChannelFailure]:
    """Channels whose latest attempt failed and that have had no success for CHANNEL_FAILING_AFTER or longer."""
    return warehouse.failing_alert_channels(wh, now=now, after=CHANNEL_FAILING_AFTER)
