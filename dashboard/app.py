"""The dashboard's frame: page config and navigation; each page lives in app_pages/."""

import sys
from pathlib import Path

import streamlit as st

_HERE = Path(__file__).resolve().parent
# `streamlit run dashboard/app.py` puts dashboard/ on sys.path, not the project root
# that holds the `dashboard` and `warehouse` packages the pages import.
if str(_HERE.parent) not in sys.path:
    sys.path.insert(0, str(_HERE.parent))

st.set_page_config(page_title="newstally", page_icon="📰", layout="wide")
st.navigation([st.Page(_HERE / "app_pages" / "trends.py", title="Trends", icon="📈", default=True)]).run()
