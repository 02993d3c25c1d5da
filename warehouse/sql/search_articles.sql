-- One page of the articles that match the Articles page's filters, newest first, and how many
-- match in all. The filters placeholder below becomes `true` or an AND of browse._SEARCH_FILTERS:
-- code constants whose values are parameters. Leaving unused filters out, rather than writing
-- `$x IS NULL OR ...`, lets DuckDB plan each search for what it actually asks.
-- `matching` is not materialized: counting and paging each re-run the filter, which at a million
-- articles costs far less than materializing every match (12 ms against 360 ms, unfiltered).
-- Text columns are read only for the page's rows.
WITH matching AS NOT MATERIALIZED (
    SELECT a.article_id, a.published_at
    FROM articles a
    WHERE {filters}
),
page AS MATERIALIZED (
    SELECT article_id, published_at
    FROM matching
    ORDER BY published_at DESC, article_id DESC
    LIMIT $limit OFFSET $offset
),
page_entities AS (
    SELECT m.article_id, list(m.entity_id ORDER BY m.entity_id) AS entity_ids
    FROM mentions m
    WHERE m.article_id IN (SELECT article_id FROM page)
    GROUP BY m.article_id
)
-- The count row comes back even when the page is empty (an offset past the end).
SELECT t.total_count, p.article_id, p.published_at, s.name AS source, a.title, a.summary, a.url,
       coalesce(pe.entity_ids, []::VARCHAR[]) AS entity_ids
FROM (SELECT count(*) AS total_count FROM matching) t
LEFT JOIN page p ON true
LEFT JOIN articles a ON a.article_id = p.article_id
LEFT JOIN sources s ON s.source_id = a.source_id
LEFT JOIN page_entities pe ON pe.article_id = p.article_id
ORDER BY p.published_at DESC NULLS LAST, p.article_id DESC
