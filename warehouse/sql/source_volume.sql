-- Articles per outlet with a trusted date in [$start_utc, $end_utc); an outlet with none counts 0,
-- so an outlet that ignored a story still shows up. Busiest first.
SELECT s.name AS source, count(a.article_id) AS articles
FROM sources s
LEFT JOIN articles a
       ON a.source_id = s.source_id
      AND a.date_quality IN ('ok', 'missing')
      AND a.published_at >= $start_utc
      AND a.published_at < $end_utc
GROUP BY s.name
ORDER BY articles DESC, source
