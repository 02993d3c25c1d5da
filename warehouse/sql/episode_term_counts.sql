-- Words of the titles of articles mentioning an episode's entity: in how many titles each
-- word occurs during the episode and during the baseline days before it, beside how many
-- titles each period has. A word counts once per title; stop words, words shorter than
-- three letters and plain numbers are left out. The days arrive as parallel lists, one
-- element per (episode, day), flagged in_episode or baseline; UTC days.
--
-- Sized for ten years of a busy warehouse: the titles are first counted per (entity, day,
-- title), each distinct title is split into words once (a syndicated or recurring title
-- is split once, not once per article, per day and per overlapping episode), and the
-- per-day word counts are then summed over each episode's days.
WITH episode_days AS (
    SELECT unnest($episode_ids) AS episode_id,
           unnest($entity_ids) AS entity_id,
           unnest($days) AS day,
           unnest($in_episode) AS in_episode
),
entity_days AS (
    SELECT DISTINCT entity_id, day FROM episode_days
),
-- Each mention dated first, then matched to the entities' days: joining articles to the
-- days first would pair every article with every entity of that day.
mention_days AS MATERIALIZED (
    SELECT m.article_id, m.entity_id, CAST(a.published_at AS DATE) AS day
    FROM {mentions} m  -- the mentions table, or a view adding ad-hoc queries' matches
    JOIN articles a USING (article_id)
    WHERE a.date_quality IN ('ok', 'missing')
      AND m.entity_id IN (SELECT entity_id FROM entity_days)
      AND a.published_at >= (SELECT min(day) FROM entity_days)
      AND a.published_at < (SELECT max(day) FROM entity_days) + INTERVAL 1 DAY
),
day_titles AS MATERIALIZED (
    SELECT d.entity_id, d.day, a.title, count(*) AS titles
    FROM mention_days d
    SEMI JOIN entity_days e ON e.entity_id = d.entity_id AND e.day = d.day
    JOIN articles a ON a.article_id = d.article_id
    GROUP BY d.entity_id, d.day, a.title
),
distinct_titles AS MATERIALIZED (
    SELECT title, row_number() OVER () AS title_number
    FROM (SELECT DISTINCT title FROM day_titles)
),
stop_words AS (
    SELECT unnest($stop_words) AS word
),
title_words AS (
    SELECT title_number, word
    FROM (
        SELECT title_number, unnest(list_distinct(regexp_split_to_array(lower(title), '[^\pL\pN]+'))) AS word
        FROM distinct_titles
    )
    WHERE length(word) >= 3
      AND NOT regexp_full_match(word, '[0-9]+')
      AND word NOT IN (SELECT word FROM stop_words)
),
day_words AS (
    SELECT t.entity_id, t.day, w.word, sum(t.titles) AS titles
    FROM day_titles t
    JOIN distinct_titles d USING (title)
    JOIN title_words w USING (title_number)
    GROUP BY t.entity_id, t.day, w.word
),
day_totals AS (
    SELECT entity_id, day, sum(titles) AS titles
    FROM day_titles
    GROUP BY entity_id, day
),
title_counts AS (
    SELECT e.episode_id,
           coalesce(sum(t.titles) FILTER (WHERE e.in_episode), 0) AS episode_titles,
           coalesce(sum(t.titles) FILTER (WHERE NOT e.in_episode), 0) AS baseline_titles
    FROM episode_days e
    JOIN day_totals t USING (entity_id, day)
    GROUP BY e.episode_id
),
word_counts AS (
    SELECT e.episode_id, w.word,
           coalesce(sum(w.titles) FILTER (WHERE e.in_episode), 0) AS episode_articles,
           coalesce(sum(w.titles) FILTER (WHERE NOT e.in_episode), 0) AS baseline_articles
    FROM episode_days e
    JOIN day_words w USING (entity_id, day)
    GROUP BY e.episode_id, w.word
    HAVING coalesce(sum(w.titles) FILTER (WHERE e.in_episode), 0) >= $min_episode_articles
)
SELECT w.episode_id, w.word AS term, w.episode_articles, w.baseline_articles,
       t.episode_titles, t.baseline_titles
FROM word_counts w
JOIN title_counts t USING (episode_id)
ORDER BY w.episode_id, w.word
