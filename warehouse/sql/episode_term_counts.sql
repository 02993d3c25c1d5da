-- Words of the titles of articles mentioning an episode's entity: in how many titles each
-- word occurs during the episode and during the baseline days before it, beside how many
-- titles each period has. A word counts once per title; stop words, words shorter than
-- three letters and plain numbers are left out. The days arrive as parallel lists, one
-- element per (episode, day), flagged in_episode or baseline; UTC days.
-- Each title is split into words once, however many episodes' windows it falls in.
WITH episode_days AS (
    SELECT unnest($episode_ids) AS episode_id,
           unnest($entity_ids) AS entity_id,
           unnest($days) AS day,
           unnest($in_episode) AS in_episode
),
-- Each mention dated first, then matched to the episodes' days: joining articles to the
-- days first would pair every article with every episode running that day.
mention_days AS MATERIALIZED (
    SELECT m.article_id, m.entity_id, CAST(a.published_at AS DATE) AS day
    FROM mentions m
    JOIN articles a USING (article_id)
    WHERE a.date_quality IN ('ok', 'missing')
      AND m.entity_id IN (SELECT entity_id FROM episode_days)
      AND a.published_at >= (SELECT min(day) FROM episode_days)
      AND a.published_at < (SELECT max(day) FROM episode_days) + INTERVAL 1 DAY
),
titles AS (
    SELECT e.episode_id, d.article_id, e.in_episode
    FROM mention_days d
    JOIN episode_days e ON e.entity_id = d.entity_id AND e.day = d.day
),
title_counts AS (
    SELECT episode_id,
           count(*) FILTER (WHERE in_episode) AS episode_titles,
           count(*) FILTER (WHERE NOT in_episode) AS baseline_titles
    FROM titles
    GROUP BY episode_id
),
stop_words AS (
    SELECT unnest($stop_words) AS word
),
title_words AS (
    SELECT DISTINCT article_id, word
    FROM (
        SELECT article_id, unnest(regexp_split_to_array(lower(title), '[^\pL\pN]+')) AS word
        FROM articles
        WHERE article_id IN (SELECT article_id FROM titles)
    )
    WHERE length(word) >= 3
      AND NOT regexp_full_match(word, '[0-9]+')
      AND word NOT IN (SELECT word FROM stop_words)
),
word_counts AS (
    SELECT t.episode_id, w.word,
           count(*) FILTER (WHERE t.in_episode) AS episode_articles,
           count(*) FILTER (WHERE NOT t.in_episode) AS baseline_articles
    FROM titles t
    JOIN title_words w USING (article_id)
    GROUP BY t.episode_id, w.word
    HAVING count(*) FILTER (WHERE t.in_episode) >= $min_episode_articles
)
SELECT w.episode_id, w.word AS term, w.episode_articles, w.baseline_articles,
       t.episode_titles, t.baseline_titles
FROM word_counts w
JOIN title_counts t USING (episode_id)
ORDER BY w.episode_id, w.word
