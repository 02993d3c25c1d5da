"""The "Alert me" button of the Spikes page: a spike alert on the entity or query shown, to one channel, in two
clicks.

Open it, paste the newsroom's channel URL (an Apprise URL: `json://…`, `mailto://…`, `slack://…`), press
Create. The rule gets the default judgement (docs/alerts.md) and a name after what it watches (the entity's
id, or the query's words); `newstally alerts add` sets quiet hours, zone and the rest. A mistake is said in
one line and nothing is stored.
"""

from __future__ import annotations

import streamlit as st

from alerts import AlertsError
from dashboard import data, tables
from warehouse import WarehouseError

__all__ = ["alert_me"]

_CHANNEL_KEY = "alert_me_channel"
_CREATED_KEY = "alert_me_created"  # the last outcome, shown beside the button after the rerun


def alert_me(path: str, name: str, *, entity_id: str | None = None, query: str | None = None) -> None:
    """The button and its small form for a rule on the entity or, given, the query; the outcome is shown under it."""
    subject = query if query is not None else entity_id
    shown_name = tables.markdown_escaped(name)
    popover = st.popover("Alert me", icon=":material/notifications:")
    with popover, st.form("alert_me_form", border=False, clear_on_submit=False):
        st.caption(f"A message when coverage of {shown_name} today is far above usual for the time of day and week.")
        channel = st.text_input(
            "Channel URL", key=_CHANNEL_KEY, placeholder="json://host:port/path, mailto://…, slack://…"
        )
        created = st.form_submit_button("Create alert", type="primary")
    if created:
        try:
            if query is not None:
                rule = data.create_query_alert(path, query, channel)
            else:
                rule = data.create_entity_alert(path, str(entity_id), channel)
        except (WarehouseError, AlertsError) as error:
            st.session_state[_CREATED_KEY] = (subject, "error", str(error).splitlines()[0])
        else:
            st.session_state[_CREATED_KEY] = (
                subject,
                "ok",
                f"Alert rule **{rule.name}** created: {shown_name} far above usual goes to"
                f" `{data.channel_shown(channel.strip())}`. The scheduler judges it after every fetch pass;"
                " see the Alerts page.",
            )
    outcome = st.session_state.get(_CREATED_KEY)
    if outcome is not None and outcome[0] == subject:  # said for what it was about only
        _, kind, text = outcome
        (st.error if kind == "error" else st.success)(text)
