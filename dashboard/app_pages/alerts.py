"""Alerts: the rules, and every alert and digest sent, held or failed, each linked to the view its message carries.

Rules are made with `newstally alerts add` or the Spikes page's "Alert me"; the scheduler judges them
after every fetch pass (docs/alerts.md). Channel URLs are shown with their secrets masked.
"""

from __future__ import annotations

import streamlit as st

from dashboard import alert_views, data, layout
from newstally import settings
from warehouse import WarehouseError


def _rules(corpus: layout.Corpus, names: dict[str, str]) -> list:
    st.subheader("Rules")
    try:
        rules = data.alert_rules(corpus.path)
    except WarehouseError as error:
        layout.read_failed(error)
        return []
    if not rules:
        st.info(
            "No alert rules yet. Choose an entity on the Spikes page and press **Alert me**, or use"
            " `newstally alerts add` (docs/alerts.md).",
            icon=":material/notifications_off:",
        )
        return []
    layout.show_table(
        alert_views.alert_rules_as_shown(rules, names, base_url=settings.dashboard_url(), shown_as=data.channel_shown),
        {
            "name": st.column_config.TextColumn("Rule"),
            "view": st.column_config.LinkColumn("View", display_text="Open ↗", width="small"),
            "watches": st.column_config.TextColumn("Watches"),
            "channels": st.column_config.TextColumn("Channels"),
            "judged": st.column_config.TextColumn("Judged"),
        },
    )
    return rules


def _history(corpus: layout.Corpus, rules: list) -> None:
    st.subheader("What was sent, held or failed")
    try:
        history = data.alert_history(corpus.path)
    except WarehouseError as error:
        layout.read_failed(error)
        return
    if history.empty:
        st.caption("Nothing sent yet.")
        return
    messages = history.drop_duplicates("message_id")
    counts = {status: int((history["status"] == status).sum()) for status in ("sent", "held", "failed")}
    plural = "" if len(messages) == 1 else "s"
    deliveries = "delivery" if counts["sent"] == 1 else "deliveries"
    st.caption(
        f"{len(messages):,} message{plural}: {counts['sent']:,} {deliveries} sent, {counts['held']:,} held,"
        f" {counts['failed']:,} failed (a channel's latest attempt)."
    )
    if counts["failed"]:
        st.warning(
            "A channel failed: see its answer below; the scheduler tries again with back-off.",
            icon=":material/error:",
        )
    layout.show_table(
        alert_views.alert_history_as_shown(history, rules, base_url=settings.dashboard_url()),
        {
            "evaluated_at": st.column_config.DatetimeColumn("Judged at (UTC)", format="YYYY-MM-DD HH:mm"),
            "rule": st.column_config.TextColumn("Rule"),
            "kind": st.column_config.TextColumn("Kind"),
            "status": st.column_config.TextColumn("Status"),
            "view": st.column_config.LinkColumn("View", display_text="Open ↗", width="small"),
            "channel": st.column_config.TextColumn("Channel"),
            "attempts": st.column_config.NumberColumn("Attempts", format="%d"),
            "answer": st.column_config.TextColumn("Channel's answer", width="medium"),
            "hold_reason": st.column_config.TextColumn("Why held", width="medium"),
            "title": st.column_config.TextColumn("Message", width="large"),
        },
    )


def render() -> None:
    corpus = layout.open_corpus("Alerts")
    if corpus is None:
        return
    names = layout.entity_names(corpus)
    if names is None:
        return
    rules = _rules(corpus, names)
    _history(corpus, rules)


render()
