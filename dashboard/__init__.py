"""newstally's Streamlit dashboard: `newstally dashboard` (or `streamlit run dashboard/app.py`) serves it.

An app, not a library: no other package imports from it, so its face lists nothing. Inside, it reads:
`app.py` (page config and navigation) → `app_pages/<page>.py` (one thin page each: controls, reads, drawing)
→ `data.py` (the only module that reaches the warehouse, with the caches), `tables.py` (the frames pages
list and download), `charts.py` (frames in, Altair charts out), `layout.py` (what every page does the same
way: header, notices, controls kept in the URL, downloads) and `url_state.py` (each page's view ⇄ its URL).
"""

__all__: list[str] = []
