-- One row per registered feed: its stored state beside what the fetch log says
-- about it. $window_start bounds the window for new items (the last 7 days).
WITH recent AS (
    SELECT feed_id, sum(items_new) AS new_items, count(*) AS fetches
    FROM fetches
    WHERE started_at >= $window_start
    GROUP BY feed_id
),
failures AS (
    SELECT feed_id, max(started_at) AS last_failure_at
    FROM fetches
    WHERE outcome IN ('transient_error', 'permanent_error')
    GROUP BY feed_id
)
SELECT f.feed_id, s.name, f.url, f.enabled, f.disabled_reason, f.last_success_at,
       fl.last_failure_at, f.last_error, f.consecutive_failures, f.next_fetch_at,
       coalesce(r.new_items, 0) AS new_items, coalesce(r.fetches, 0) AS fetches
FROM feeds f
JOIN sources s USING (source_id)
LEFT JOIN recent r USING (feed_id)
LEFT JOIN failures fl USING (feed_id)
ORDER BY s.name, f.feed_id
