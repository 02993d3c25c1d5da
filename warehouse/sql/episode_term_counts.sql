-- Words of the titles of articles mentioning an episode's entity: in how many titles each
-- word occurs during the episode and during the baseline days before it, beside how many
-- titles each period has. A word counts once per title; stop words, words shorter than
-- three letters and plain numbers are left out. The days arrive as parallel lists, one
-- element per (episode, day), flagged in_episode or baseline; UTC days.
WITH episode_days AS (
    SELECT unnest($episode_ids) AS episode_id,
           unnest($entity_ids) AS entity_id,
           unnest($days) AS day,
           unnest($in_episode) AS in_episode
),
titles AS (
    SELECT e.episode_id, a.article_id, e.in_episode, a.title
    FROM articles a
    JOIN mentions m ON m.article_id = a.article_id
    JOIN episode_days e ON e.entity_id = m.entity_id AND e.day = CAST(a.published_at AS DATE)
    WHERE a.date_quality IN ('ok', 'missing')
),
title_counts AS (
    SELECT episode_id,
           count(*) FILTER (WHERE in_episode) AS episode_titles,
           count(*) FILTER (WHERE NOT in_episode) AS baseline_titles
    FROM titles
    GROUP BY episode_id
),
words AS (
    SELECT DISTINCT episode_id, article_id, in_episode, word
    FROM (
        SELECT episode_id, article_id, in_episode,
               unnest(regexp_split_to_array(lower(title), '[^\pL\pN]+')) AS word
        FROM titles
    )
    WHERE length(word) >= 3
      AND NOT regexp_full_match(word, '[0-9]+')
      AND NOT list_contains($stop_words, word)
),
word_counts AS (
    SELECT episode_id, word,
           count(*) FILTER (WHERE in_episode) AS episode_articles,
           count(*) FILTER (WHERE NOT in_episode) AS baseline_articles
    FROM words
    GROUP BY episode_id, word
    HAVING count(*) FILTER (WHERE in_episode) >= $min_episode_articles
)
SELECT w.episode_id, w.word AS term, w.episode_articles, w.baseline_articles,
       t.episode_titles, t.baseline_titles
FROM word_counts w
JOIN title_counts t USING (episode_id)
ORDER BY w.episode_id, w.word
