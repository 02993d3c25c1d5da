"""The "Alert me" button of the Spikes page: a spike alert on the entity shown, to one channel, in two clicks.

Open it, paste the newsroom's channel URL (an Apprise URL: `json://…`, `mailto://…`, `slack://…`), press
Create. The rule gets the default judgement (docs/alerts.md) and the entity's id as its name; `newstally
alerts add` sets quiet hours, zone and the rest. A mistake is said in one line and nothing is stored.
"""

from __future__ import annotations

import streamlit as st

from alerts import ChannelInvalid
from dashboard import data
from warehouse import WarehouseError

__all__ = ["alert_me"]

_CHANNEL_KEY = "alert_me_channel"
_CREATED_KEY = "alert_me_created"  # the last outcome, shown beside the button after the rerun


def alert_me(path: str, entity_id: str, name: str) -> None:
    """The button and its small form; the outcome is shown under it."""
    popover = st.popover("Alert me", icon=":material/notifications:")
    with popover, st.form("alert_me_form", border=False, clear_on_submit=False):
        st.caption(f"A message when {name}'s coverage today is far above usual for the time of day and week.")
        channel = st.text_input(
            "Channel URL", key=_CHANNEL_KEY, placeholder="json://host:port/path, mailto://…, slack://…"
        )
        created = st.form_submit_button("Create alert", type="primary")
    if created:
        try:
            rule = data.create_entity_alert(path, entity_id, channel)
        except (WarehouseError, ChannelInvalid) as error:
            st.session_state[_CREATED_KEY] = (entity_id, "error", str(error).splitlines()[0])
        else:
            st.session_state[_CREATED_KEY] = (
                entity_id,
                "ok",
                f"Alert rule **{rule.name}** created: {name} far above usual goes to"
                f" `{data.channel_shown(channel.strip())}`. The scheduler judges it after every fetch pass;"
                " see the Alerts page.",
            )
    outcome = st.session_state.get(_CREATED_KEY)
    if outcome is not None and outcome[0] == entity_id:  # said for the entity it was about only
        _, kind, text = outcome
        (st.error if kind == "error" else st.success)(text)
