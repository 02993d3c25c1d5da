-- Per outlet and UTC day from $first_day to $last_day: how many of its feeds were
-- expected to be fetched that day, how many were, and how many successfully.
-- A feed is expected from the day it was added (or first fetched, if earlier)
-- while it is enabled; a disabled feed only up to the day of its last fetch.
-- Outlets without feeds (archives, demo history) have no rows: nothing was due.
WITH days AS (
    SELECT CAST(d AS DATE) AS day
    FROM generate_series(CAST($first_day AS TIMESTAMP), CAST($last_day AS TIMESTAMP), INTERVAL 1 DAY) AS g(d)
),
fetch_span AS (
    SELECT feed_id, CAST(min(started_at) AS DATE) AS first_day, CAST(max(started_at) AS DATE) AS last_day
    FROM fetches
    GROUP BY feed_id
),
expected AS (
    SELECT f.source_id, f.feed_id, d.day
    FROM feeds f
    CROSS JOIN days d
    LEFT JOIN fetch_span sp USING (feed_id)
    WHERE d.day >= least(CAST(f.added_at AS DATE), coalesce(sp.first_day, CAST(f.added_at AS DATE)))
      AND (f.enabled OR d.day <= sp.last_day)
),
fetched AS (
    SELECT feed_id, CAST(started_at AS DATE) AS day,
           bool_or(outcome IN ('new_content', 'not_modified', 'partial')) AS succeeded
    FROM fetches
    WHERE started_at >= CAST($first_day AS TIMESTAMP)
      AND started_at < CAST($last_day AS TIMESTAMP) + INTERVAL 1 DAY
    GROUP BY ALL
)
SELECT s.name AS source,
       e.day,
       count(*) AS feeds,
       count(x.feed_id) AS feeds_fetched,
       count(*) FILTER (WHERE x.succeeded) AS feeds_ok,
       count(*) FILTER (WHERE x.succeeded) = count(*) AS complete
FROM expected e
JOIN sources s USING (source_id)
LEFT JOIN fetched x ON x.feed_id = e.feed_id AND x.day = e.day
GROUP BY s.name, e.day
ORDER BY s.name, e.day
