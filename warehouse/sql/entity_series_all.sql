-- The common case of entity_series.sql, kept lean because it is what charts ask for most:
-- all outlets together, no co-mention filter, every copy counted. No join to sources, and
-- totals come from the articles table alone. Same columns as entity_series.sql.
-- Articles are first counted per slot ({slot_expression}), and only the slots are put into
-- buckets. In UTC a slot is the bucket itself; in other zones it is 15 minutes of UTC, so
-- only slots, not articles, are converted to local time. Since 1990 every zone's offset is
-- a multiple of 15 minutes and changes on a slot boundary, so all articles of a slot fall
-- in the same local bucket. {slot_expression} and {bucket_expression} come from
-- series.py, never from user text; the bucket expression reads a.published_at, here the
-- slot's start.
-- {mentions}: the mentions table, or a view adding the matches of ad-hoc queries (warehouse/queries.py).
-- $source_ids: the outlets of a collection (warehouse/counting/collections.py), NULL for every outlet.
WITH slot_totals AS (
    SELECT {slot_expression} AS published_at, count(*) AS total_articles
    FROM articles a
    WHERE a.date_quality IN ('ok', 'missing')
      AND a.published_at >= $start_utc
      AND a.published_at < $end_utc
      AND ($source_ids IS NULL OR list_contains($source_ids, a.source_id))
    GROUP BY ALL
),
slot_hits AS (
    SELECT {slot_expression} AS published_at, m.entity_id,
           count(*) AS articles, sum(m.occurrences) AS mentions
    FROM {mentions} m
    JOIN articles a USING (article_id)
    WHERE list_contains($entity_ids, m.entity_id)
      AND a.date_quality IN ('ok', 'missing')
      AND a.published_at >= $start_utc
      AND a.published_at < $end_utc
      AND ($source_ids IS NULL OR list_contains($source_ids, a.source_id))
    GROUP BY ALL
),
totals AS (
    SELECT {bucket_expression} AS bucket, CAST(sum(a.total_articles) AS BIGINT) AS total_articles
    FROM slot_totals a
    GROUP BY ALL
),
hits AS (
    SELECT {bucket_expression} AS bucket, a.entity_id,
           CAST(sum(a.articles) AS BIGINT) AS articles, CAST(sum(a.mentions) AS BIGINT) AS mentions
    FROM slot_hits a
    GROUP BY ALL
)
SELECT t.bucket, '' AS source, h.entity_id, h.articles, h.mentions, t.total_articles
FROM totals t
LEFT JOIN hits h USING (bucket)
