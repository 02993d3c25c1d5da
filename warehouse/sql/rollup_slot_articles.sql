-- Bucketed articles per 15-minute UTC slot and outlet, for the articles in scope
-- ({scope}: every article, or a semi join to the just-stored ones; from rollups.py).
INSERT INTO slot_articles
SELECT time_bucket(INTERVAL 15 MINUTE, a.published_at) AS slot, a.source_id, count(*)
FROM articles a
{scope}
WHERE a.date_quality IN ('ok', 'missing')
GROUP BY ALL
