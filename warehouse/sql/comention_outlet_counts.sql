-- Per outlet and leader, over articles with a trusted date in [$start_utc, $end_utc): articles
-- mentioning the leader (theme_id NULL), and per theme the articles mentioning both.
-- $source_ids: the outlets of a collection (warehouse/counting/collections.py), NULL for every outlet.
WITH dated AS (
    SELECT article_id, source_id
    FROM articles
    WHERE date_quality IN ('ok', 'missing')
      AND published_at >= $start_utc
      AND published_at < $end_utc
      AND ($source_ids IS NULL OR list_contains($source_ids, source_id))
),
leader_articles AS (
    SELECT d.source_id, d.article_id, m.entity_id AS leader_id
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
),
counted AS (
    SELECT source_id, leader_id, NULL AS theme_id, count(*) AS articles
    FROM leader_articles
    GROUP BY source_id, leader_id
    UNION ALL
    SELECT l.source_id, l.leader_id, t.theme_id, count(*) AS articles
    FROM leader_articles l
    JOIN theme_mentions t USING (article_id)
    GROUP BY l.source_id, l.leader_id, t.theme_id
)
SELECT s.name AS source, c.leader_id, c.theme_id, c.articles
FROM counted c
JOIN sources s USING (source_id)
ORDER BY s.name, c.leader_id, c.theme_id NULLS FIRST
