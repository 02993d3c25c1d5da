-- Per bucket (and outlet when by_source), per entity: articles mentioning it, occurrences,
-- and all bucketed articles of the same outlets. Buckets are computed in the chosen zone;
-- {bucket_expression} is one of series._BUCKET_EXPRESSIONS, never user text.
-- Only articles whose date can be trusted are bucketed (date_quality ok or missing).
-- With $with_entity (NULL: no filter), hits count only articles that also mention it (co-mentions).
WITH scoped AS (
    SELECT a.article_id,
           s.name AS source,
           {bucket_expression} AS bucket
    FROM articles a
    JOIN sources s USING (source_id)
    WHERE a.date_quality IN ('ok', 'missing')
      AND a.published_at >= $start_utc
      AND a.published_at < $end_utc
),
totals AS (
    SELECT bucket, CASE WHEN $by_source THEN source ELSE '' END AS source, count(*) AS total_articles
    FROM scoped
    GROUP BY ALL
),
hits AS (
    SELECT sc.bucket, CASE WHEN $by_source THEN sc.source ELSE '' END AS source, m.entity_id,
           count(*) AS articles, sum(m.occurrences) AS mentions
    FROM scoped sc
    JOIN mentions m USING (article_id)
    WHERE list_contains($entity_ids, m.entity_id)
      AND ($with_entity IS NULL OR m.article_id IN (SELECT article_id FROM mentions WHERE entity_id = $with_entity))
    GROUP BY ALL
)
SELECT t.bucket, t.source, h.entity_id, h.articles, h.mentions, t.total_articles
FROM totals t
LEFT JOIN hits h USING (bucket, source)
ORDER BY t.bucket, t.source, h.entity_id
