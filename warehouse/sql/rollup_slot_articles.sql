-- Bucketed articles per 15-minute UTC slot and outlet, for the articles in scope
-- ({scope}: every article, or a semi join to the just-stored ones; {period}: nothing, or
-- a condition on the publication time; both from rollups.py).
-- rollups.py inserts it into slot_articles, and `newstally check` compares with it.
SELECT time_bucket(INTERVAL 15 MINUTE, a.published_at) AS slot, a.source_id, count(*) AS articles
FROM articles a
{scope}
WHERE a.date_quality IN ('ok', 'missing'){period}
GROUP BY ALL
