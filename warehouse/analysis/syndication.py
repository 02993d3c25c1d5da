"""Original coverage versus syndicated copies: how much of each outlet's output other outlets also ran.

Copies are recognised by `articles.syndication_key` (see warehouse.intake.identity), a
hash of the normalised headline; articles stored before it existed have none and
count as original.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pandas as pd

from warehouse.engine.db import Warehouse

__all__ = ["ORIGINALITY_COLUMNS", "coverage_originality"]

ORIGINALITY_COLUMNS = ["source", "articles", "syndicated", "original"]

_COVERAGE_ORIGINALITY = """
WITH in_window AS (
    SELECT source_id, syndication_key
    FROM articles
    WHERE published_at >= $window_start AND published_at < $window_end AND date_quality IN ('ok', 'missing')
),
shared AS (
    SELECT syndication_key
    FROM in_window
    WHERE syndication_key IS NOT NULL
    GROUP BY syndication_key
    HAVING count(DISTINCT source_id) > 1
)
SELECT s.name AS source,
       count(*) AS articles,
       count(sh.syndication_key) AS syndicated,
       count(*) - count(sh.syndication_key) AS original
FROM in_window w
JOIN sources s USING (source_id)
LEFT JOIN shared sh USING (syndication_key)
GROUP BY s.name
ORDER BY s.name
"""


def coverage_originality(wh: Warehouse, first_day: date, last_day: date) -> pd.DataFrame:
    """Per outlet, over UTC days `first_day` to `last_day`: articles, how many another outlet also ran, the rest."""
    window_start = datetime.combine(first_day, time())
    window_end = datetime.combine(last_day + timedelta(days=1), time())
    with wh.reading() as connection:
        frame = connection.execute(_COVERAGE_ORIGINALITY, {"window_start": window_start, "window_end": window_end}).df()
    return frame[ORIGINALITY_COLUMNS]
