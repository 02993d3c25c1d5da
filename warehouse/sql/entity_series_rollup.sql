-- What entity_series_all.sql and entity_series.sql count (no co-mention filter, every copy
-- counted), read from the slot rollups (migration 0004) instead of joining every mention to
-- its article. A slot's rows (one per stored batch, and per outlet unless $by_source) are
-- summed first, so the bucket expression, costly in other zones, runs once per slot.
-- Per bucket (and outlet when $by_source), per entity: articles mentioning it, occurrences,
-- and all bucketed articles of the same outlets. {bucket_expression} is one of series.py's,
-- never user text; it reads a.published_at, here a slot's start. Bounds are local midnights
-- in UTC, which fall on slot boundaries.
-- $source_ids: the outlets of a collection (warehouse/counting/collections.py), NULL for every outlet.
WITH slot_totals AS (
    SELECT slot AS published_at, CASE WHEN $by_source THEN source_id ELSE 0 END AS source_id,
           sum(articles) AS articles
    FROM slot_articles
    WHERE slot >= $start_utc AND slot < $end_utc
      AND ($source_ids IS NULL OR list_contains($source_ids, source_id))
    GROUP BY ALL
),
slot_hits AS (
    SELECT slot AS published_at, CASE WHEN $by_source THEN source_id ELSE 0 END AS source_id, entity_id,
           sum(articles) AS articles, sum(mentions) AS mentions
    FROM slot_mentions
    WHERE list_contains($entity_ids, entity_id) AND slot >= $start_utc AND slot < $end_utc
      AND ($source_ids IS NULL OR list_contains($source_ids, source_id))
    GROUP BY ALL
),
totals AS (
    SELECT {bucket_expression} AS bucket, a.source_id, CAST(sum(a.articles) AS BIGINT) AS total_articles
    FROM slot_totals a
    GROUP BY ALL
),
hits AS (
    SELECT {bucket_expression} AS bucket, a.source_id, a.entity_id,
           CAST(sum(a.articles) AS BIGINT) AS articles, CAST(sum(a.mentions) AS BIGINT) AS mentions
    FROM slot_hits a
    GROUP BY ALL
)
SELECT t.bucket, coalesce(s.name, '') AS source, h.entity_id, h.articles, h.mentions, t.total_articles
FROM totals t
LEFT JOIN hits h USING (bucket, source_id)
LEFT JOIN sources s ON s.source_id = t.source_id
ORDER BY t.bucket, source, h.entity_id
