"""The dashboard's frame: page config and navigation; each page lives in app_pages/."""

from pathlib import Path

import streamlit as st

_PAGES = Path(__file__).resolve().parent / "app_pages"

st.set_page_config(page_title="newstally", page_icon="📰", layout="wide")
st.navigation(
    [
        st.Page(_PAGES / "trends.py", title="Trends", icon=":material/show_chart:", default=True),
        st.Page(_PAGES / "discover.py", title="Discover", icon=":material/trending_up:"),
        st.Page(_PAGES / "spikes.py", title="Spikes", icon=":material/bolt:"),
        st.Page(_PAGES / "event_lens.py", title="Event lens", icon=":material/center_focus_strong:"),
        st.Page(_PAGES / "comentions.py", title="Co-mentions", icon=":material/grid_on:"),
        st.Page(_PAGES / "articles.py", title="Articles", icon=":material/article:"),
        st.Page(_PAGES / "sources.py", title="Sources", icon=":material/rss_feed:"),
        st.Page(_PAGES / "watchlist.py", title="Watchlist", icon=":material/playlist_add:"),
        st.Page(_PAGES / "alerts.py", title="Alerts", icon=":material/notifications:"),
    ]
).run()
