-- Counts per 15-minute UTC slot and outlet, kept beside the articles and mentions they
-- sum, so a series reads thousands of slot rows instead of joining every mention to its
-- article. 15 minutes because every zone's offset since 1990 is a multiple of it and
-- changes on such a boundary: any local hour, day, week or month is a union of slots.
-- Only bucketed articles count (date_quality ok or missing), as in every series.
-- A (slot, source_id[, entity_id]) may have several rows: each stored batch appends its
-- own, and readers sum them; a retally rebuilds both tables in one row per key.
-- warehouse/rollups.py keeps them; `newstally check` recounts them.
CREATE TABLE slot_articles (
    slot      TIMESTAMP NOT NULL,   -- start of the 15-minute UTC slot
    source_id INTEGER NOT NULL,
    articles  BIGINT NOT NULL       -- bucketed articles of the outlet in the slot
);

CREATE TABLE slot_mentions (
    slot      TIMESTAMP NOT NULL,
    source_id INTEGER NOT NULL,
    entity_id VARCHAR NOT NULL,
    articles  BIGINT NOT NULL,      -- of those, the articles mentioning the entity
    mentions  BIGINT NOT NULL       -- and their occurrences
);

INSERT INTO slot_articles
SELECT time_bucket(INTERVAL 15 MINUTE, published_at) AS slot, source_id, count(*)
FROM articles
WHERE date_quality IN ('ok', 'missing')
GROUP BY ALL;

INSERT INTO slot_mentions
SELECT time_bucket(INTERVAL 15 MINUTE, a.published_at) AS slot, a.source_id, m.entity_id,
       count(*), sum(m.occurrences)
FROM mentions m
JOIN articles a USING (article_id)
WHERE a.date_quality IN ('ok', 'missing')
GROUP BY ALL;
