-- Articles per outlet with a trusted date in [$start_utc, $end_utc); an outlet with none counts 0,
-- so an outlet that ignored a story still shows up. Busiest first. $source_ids: a collection's
-- outlets (warehouse/counting/collections.py), NULL for every outlet.
SELECT s.name AS source, count(a.article_id) AS articles
FROM sources s
LEFT JOIN articles a
       ON a.source_id = s.source_id
      AND a.date_quality IN ('ok', 'missing')
      AND a.published_at >= $start_utc
      AND a.published_at < $end_utc
WHERE $source_ids IS NULL OR list_contains($source_ids, s.source_id)
GROUP BY s.name
ORDER BY articles DESC, source
