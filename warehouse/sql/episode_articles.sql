-- Candidate headlines of spike episodes: the articles that mention an episode's entity
-- from the episode's first day to its peak day (the build-up that drove it), UTC days.
-- The days arrive as parallel lists, one element per (episode, day), so the join is an
-- equi-join on (entity, day). Only trustworthy dates count.
WITH episode_days AS (
    SELECT unnest($episode_ids) AS episode_id,
           unnest($entity_ids) AS entity_id,
           unnest($days) AS day
)
SELECT e.episode_id, a.article_id, s.name AS source, a.published_at, a.title, a.url, m.in_title
FROM articles a
JOIN mentions m ON m.article_id = a.article_id
JOIN episode_days e ON e.entity_id = m.entity_id AND e.day = CAST(a.published_at AS DATE)
JOIN sources s ON s.source_id = a.source_id
WHERE a.date_quality IN ('ok', 'missing')
ORDER BY e.episode_id, a.published_at, a.article_id
