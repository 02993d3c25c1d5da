-- Per 15-minute UTC slot, outlet and entity: bucketed articles mentioning the entity and
-- their occurrences, for the articles in scope ({scope} and {period}, as in rollup_slot_articles.sql).
-- rollups.py inserts it into slot_mentions, and `newstally check` compares with it.
SELECT time_bucket(INTERVAL 15 MINUTE, a.published_at) AS slot, a.source_id, m.entity_id,
       count(*) AS articles, sum(m.occurrences) AS mentions
FROM mentions m
JOIN articles a USING (article_id)
{scope}
WHERE a.date_quality IN ('ok', 'missing'){period}
GROUP BY ALL
