-- Per outlet and chosen entity: articles with a trusted date in [$start_utc, $end_utc) that mention
-- the entity, all of that outlet's articles in the range, and their ratio (0 when it has none).
-- Every outlet × entity pair is a row, zeros included. $source_ids: a collection's outlets
-- (warehouse/counting/collections.py), NULL for every outlet.
WITH scoped AS (
    SELECT a.article_id, a.source_id
    FROM articles a
    WHERE a.date_quality IN ('ok', 'missing')
      AND a.published_at >= $start_utc
      AND a.published_at < $end_utc
),
totals AS (
    SELECT s.source_id, s.name AS source, count(sc.article_id) AS total_articles
    FROM sources s
    LEFT JOIN scoped sc USING (source_id)
    WHERE $source_ids IS NULL OR list_contains($source_ids, s.source_id)
    GROUP BY s.source_id, s.name
),
hits AS (
    SELECT sc.source_id, m.entity_id, count(DISTINCT sc.article_id) AS articles
    FROM scoped sc
    JOIN mentions m USING (article_id)
    WHERE list_contains($entity_ids, m.entity_id)
    GROUP BY sc.source_id, m.entity_id
),
chosen AS (
    SELECT unnest($entity_ids) AS entity_id
)
SELECT t.source,
       c.entity_id,
       coalesce(h.articles, 0) AS articles,
       t.total_articles,
       CASE WHEN t.total_articles > 0 THEN coalesce(h.articles, 0) / t.total_articles ELSE 0.0 END AS share
FROM totals t
CROSS JOIN chosen c
LEFT JOIN hits h ON h.source_id = t.source_id AND h.entity_id = c.entity_id
ORDER BY t.source, c.entity_id
