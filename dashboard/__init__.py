"""newstally's Streamlit dashboard: `streamlit run dashboard/app.py`."""
