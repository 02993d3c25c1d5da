-- Per bucket (and outlet when by_source), per entity: articles mentioning it, occurrences,
-- and all bucketed articles of the same outlets. Buckets are computed in the chosen zone;
-- {bucket_expression} is one of series._BUCKET_EXPRESSIONS, never user text.
-- Only articles whose date can be trusted are bucketed (date_quality ok or missing).
-- With $with_entity (NULL: no filter), hits count only articles that also mention it (co-mentions).
-- As in entity_series_all.sql, articles are counted per slot ({slot_expression}: the UTC
-- bucket, or 15 minutes of UTC in other zones) and only the slots are put into local
-- buckets (a.published_at in the bucket expression is a slot's start).
-- {mentions}: the mentions table, or a view adding the matches of ad-hoc queries (warehouse/queries.py).
-- $source_ids: the outlets of a collection (warehouse/counting/collections.py), NULL for every outlet.
WITH scoped AS (
    SELECT a.article_id,
           CASE WHEN $by_source THEN s.name ELSE '' END AS source,
           {slot_expression} AS slot
    FROM articles a
    JOIN sources s USING (source_id)
    WHERE a.date_quality IN ('ok', 'missing')
      AND a.published_at >= $start_utc
      AND a.published_at < $end_utc
      AND ($source_ids IS NULL OR list_contains($source_ids, a.source_id))
),
slot_totals AS (
    SELECT slot AS published_at, source, count(*) AS total_articles
    FROM scoped
    GROUP BY ALL
),
slot_hits AS (
    SELECT sc.slot AS published_at, sc.source, m.entity_id, count(*) AS articles, sum(m.occurrences) AS mentions
    FROM scoped sc
    JOIN {mentions} m USING (article_id)
    WHERE list_contains($entity_ids, m.entity_id)
      AND ($with_entity IS NULL OR m.article_id IN (SELECT article_id FROM {mentions} WHERE entity_id = $with_entity))
    GROUP BY ALL
),
totals AS (
    SELECT {bucket_expression} AS bucket, a.source, CAST(sum(a.total_articles) AS BIGINT) AS total_articles
    FROM slot_totals a
    GROUP BY ALL
),
hits AS (
    SELECT {bucket_expression} AS bucket, a.source, a.entity_id,
           CAST(sum(a.articles) AS BIGINT) AS articles, CAST(sum(a.mentions) AS BIGINT) AS mentions
    FROM slot_hits a
    GROUP BY ALL
)
SELECT t.bucket, t.source, h.entity_id, h.articles, h.mentions, t.total_articles
FROM totals t
LEFT JOIN hits h USING (bucket, source)
ORDER BY t.bucket, t.source, h.entity_id
