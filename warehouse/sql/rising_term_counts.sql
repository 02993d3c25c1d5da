-- Words and two-word phrases of the titles in a window and in the baseline days before it:
-- in how many articles each occurs in each period, beside how many articles each period has.
-- A term counts once per article. Titles are lower-cased and split on anything but letters
-- and digits; a word is left out when it is a stop word of its outlet's language
-- ($stop_languages / $stop_words, parallel lists; an outlet whose language is not among
-- $listed_languages uses $fallback_language), a plain number, or a single character; a phrase is two kept
-- words standing next to each other. Bounds are naive UTC: [$baseline_start, $window_start)
-- is the baseline, [$window_start, $window_end) the window; only trustworthy dates count.
-- $source_ids: the outlets of a collection (warehouse/counting/collections.py), NULL for every outlet.
--
-- A title repeated (a wire story, a recurring "Live updates") is split once: titles are
-- first counted per period and language, and a term's articles are the sum of the counts
-- of the titles holding it, which is its number of articles since a term is once per title.
WITH titles AS MATERIALIZED (
    SELECT row_number() OVER () AS title_number, *
    FROM (
        SELECT lower(a.title) AS title,
               a.published_at >= $window_start AS in_window,
               CASE WHEN list_contains($listed_languages, split_part(lower(s.language), '-', 1))
                    THEN split_part(lower(s.language), '-', 1) ELSE $fallback_language END AS language,
               count(*) AS articles
        FROM articles a
        JOIN sources s USING (source_id)
        WHERE a.date_quality IN ('ok', 'missing')
          AND a.published_at >= $baseline_start
          AND a.published_at < $window_end
          AND ($source_ids IS NULL OR list_contains($source_ids, a.source_id))
        GROUP BY ALL
    )
),
stop_words AS (
    SELECT unnest($stop_languages) AS language, unnest($stop_words) AS word
),
positioned AS (
    SELECT title_number, language, unnest(words) AS word, unnest(range(1, len(words) + 1)) AS position
    FROM (SELECT title_number, language, regexp_split_to_array(title, '[^\pL\pN]+') AS words FROM titles)
),
kept AS MATERIALIZED (
    SELECT p.title_number, p.word, p.position
    FROM positioned p
    ANTI JOIN stop_words s ON s.language = p.language AND s.word = p.word
    WHERE length(p.word) >= 2 AND NOT regexp_full_match(p.word, '[0-9]+')
),
terms AS (
    SELECT DISTINCT title_number, term
    FROM (
        SELECT title_number, word AS term FROM kept
        UNION ALL
        SELECT first.title_number, first.word || ' ' || second.word AS term
        FROM kept first
        JOIN kept second ON second.title_number = first.title_number AND second.position = first.position + 1
    )
)
SELECT r.term,
       coalesce(sum(t.articles) FILTER (WHERE t.in_window), 0) AS window_articles,
       coalesce(sum(t.articles) FILTER (WHERE NOT t.in_window), 0) AS baseline_articles
FROM terms r
JOIN titles t USING (title_number)
GROUP BY r.term
HAVING coalesce(sum(t.articles) FILTER (WHERE t.in_window), 0) >= $min_window_articles
ORDER BY r.term
