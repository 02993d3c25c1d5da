"""Counting: the watchlist, its rules as SQL patterns, the tally that turns articles into mentions, the rollups.

watchlist.py (entities, aliases, the counting rules), patterns.py (the same rules as RE2 for
DuckDB), tally.py (mentions on arrival and re-tallying history), rollups.py (15-minute slot
counts the series read).
"""
