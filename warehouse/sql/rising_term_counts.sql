-- Words and two-word phrases of the titles in a window and in the baseline days before it:
-- in how many articles each occurs in each period, beside how many articles each period has.
-- A term counts once per article. Titles are lower-cased and split on anything but letters
-- and digits; a word is left out when it is a stop word of its outlet's language
-- ($stop_languages / $stop_words, parallel lists; an outlet without a listed language
-- uses $fallback_language), a plain number, or a single character; a phrase is two kept
-- words standing next to each other. Bounds are naive UTC: [$baseline_start, $window_start)
-- is the baseline, [$window_start, $window_end) the window; only trustworthy dates count.
WITH scoped AS MATERIALIZED (
    SELECT a.article_id,
           a.published_at >= $window_start AS in_window,
           regexp_split_to_array(lower(a.title), '[^\pL\pN]+') AS words,
           CASE WHEN list_contains($stop_languages, split_part(lower(s.language), '-', 1))
                THEN split_part(lower(s.language), '-', 1) ELSE $fallback_language END AS language
    FROM articles a
    JOIN sources s USING (source_id)
    WHERE a.date_quality IN ('ok', 'missing')
      AND a.published_at >= $baseline_start
      AND a.published_at < $window_end
),
totals AS (
    SELECT count(*) FILTER (WHERE in_window) AS window_total,
           count(*) FILTER (WHERE NOT in_window) AS baseline_total
    FROM scoped
),
stop_words AS (
    SELECT unnest($stop_languages) AS language, unnest($stop_words) AS word
),
positioned AS (
    SELECT article_id, in_window, language, unnest(words) AS word, unnest(range(1, len(words) + 1)) AS position
    FROM scoped
),
kept AS MATERIALIZED (
    SELECT p.article_id, p.in_window, p.word, p.position
    FROM positioned p
    ANTI JOIN stop_words s ON s.language = p.language AND s.word = p.word
    WHERE length(p.word) >= 2 AND NOT regexp_full_match(p.word, '[0-9]+')
),
terms AS (
    SELECT article_id, in_window, word AS term FROM kept
    UNION ALL
    SELECT first.article_id, first.in_window, first.word || ' ' || second.word AS term
    FROM kept first
    JOIN kept second ON second.article_id = first.article_id AND second.position = first.position + 1
),
counted AS (
    SELECT term,
           count(DISTINCT article_id) FILTER (WHERE in_window) AS window_articles,
           count(DISTINCT article_id) FILTER (WHERE NOT in_window) AS baseline_articles
    FROM terms
    GROUP BY term
    HAVING count(DISTINCT article_id) FILTER (WHERE in_window) >= $min_window_articles
)
SELECT c.term, c.window_articles, c.baseline_articles, t.window_total, t.baseline_total
FROM counted c, totals t
ORDER BY c.term
