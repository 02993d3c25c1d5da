-- Per period (the chosen one and the one of equal length before it) and leader: articles
-- mentioning the leader, and per theme the articles mentioning both. Rows with a NULL
-- theme_id carry a leader's article count alone. Only trustworthy dates count.
-- $source_ids: the outlets of a collection (warehouse/counting/collections.py), NULL for every outlet.
WITH dated AS (
    SELECT article_id,
           CASE WHEN published_at >= $start_utc THEN 'current' ELSE 'previous' END AS period
    FROM articles
    WHERE date_quality IN ('ok', 'missing')
      AND published_at >= $previous_start_utc
      AND published_at < $end_utc
      AND ($source_ids IS NULL OR list_contains($source_ids, source_id))
),
leader_articles AS (
    SELECT d.period, d.article_id, m.entity_id AS leader_id
    FROM dated d
    JOIN mentions m USING (article_id)
    JOIN entities e USING (entity_id)
    WHERE e.kind = 'leader'
),
theme_mentions AS (
    SELECT m.article_id, m.entity_id AS theme_id
    FROM mentions m
    JOIN entities e USING (entity_id)
    WHERE e.kind = 'theme'
)
SELECT period, leader_id, NULL AS theme_id, count(*) AS articles
FROM leader_articles
GROUP BY period, leader_id
UNION ALL
SELECT l.period, l.leader_id, t.theme_id, count(*) AS articles
FROM leader_articles l
JOIN theme_mentions t USING (article_id)
GROUP BY l.period, l.leader_id, t.theme_id
