-- Like entity_series.sql, but a story is counted once however many outlets ran it:
-- within each bucket (and outlet when by_source), articles sharing a syndication_key
-- are one story; an article without a key is a story of its own. A story mentions an
-- entity when any copy does, with the most occurrences of any copy; total_articles
-- counts stories too, so share stays at most 1.
-- {bucket_expression} is one of series._BUCKET_EXPRESSIONS, never user text.
-- {mentions}: the mentions table, or a view adding the matches of ad-hoc queries (warehouse/queries.py).
-- $source_ids: the outlets of a collection (warehouse/counting/collections.py), NULL for every outlet.
WITH scoped AS (
    SELECT a.article_id,
           CASE WHEN $by_source THEN s.name ELSE '' END AS source,
           {bucket_expression} AS bucket,
           coalesce(a.syndication_key, 'article:' || a.article_id) AS story
    FROM articles a
    JOIN sources s USING (source_id)
    WHERE a.date_quality IN ('ok', 'missing')
      AND a.published_at >= $start_utc
      AND a.published_at < $end_utc
      AND ($source_ids IS NULL OR list_contains($source_ids, a.source_id))
),
totals AS (
    SELECT bucket, source, count(DISTINCT story) AS total_articles
    FROM scoped
    GROUP BY ALL
),
story_hits AS (
    SELECT sc.bucket, sc.source, m.entity_id, sc.story, max(m.occurrences) AS occurrences
    FROM scoped sc
    JOIN {mentions} m USING (article_id)
    WHERE list_contains($entity_ids, m.entity_id)
      AND ($with_entity IS NULL OR m.article_id IN (SELECT article_id FROM {mentions} WHERE entity_id = $with_entity))
    GROUP BY ALL
),
hits AS (
    SELECT bucket, source, entity_id, count(*) AS articles, sum(occurrences) AS mentions
    FROM story_hits
    GROUP BY ALL
)
SELECT t.bucket, t.source, h.entity_id, h.articles, h.mentions, t.total_articles
FROM totals t
LEFT JOIN hits h USING (bucket, source)
ORDER BY t.bucket, t.source, h.entity_id
