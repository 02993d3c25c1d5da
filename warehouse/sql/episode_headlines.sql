-- The stories that best represent each spike episode, each shown by its first publisher.
-- Candidates are the articles mentioning the episode's entity from its first day to its
-- peak day (the build-up that drove it); the days arrive as parallel lists, one element
-- per (episode, day); UTC days; only trustworthy dates count.
--
-- Two titles are one story when they hold the same content words in any order and case:
-- the story key is the sorted distinct words of the lower-cased title, split on anything
-- but letters and digits, stop words left out. Stories carried by more outlets come
-- first; among equals one naming the entity in a title, then the earliest first article
-- (published_at, then article_id). Only the first $limit stories of each episode leave
-- the database, so memory does not grow with the size of an episode.
WITH episode_days AS (
    SELECT unnest($episode_ids) AS episode_id,
           unnest($entity_ids) AS entity_id,
           unnest($days) AS day
),
-- Each mention dated first, then matched to the episodes' days: joining articles to the
-- days first would pair every article with every episode running that day.
mention_days AS MATERIALIZED (
    SELECT m.article_id, m.entity_id, m.in_title, CAST(a.published_at AS DATE) AS day
    FROM {mentions} m  -- the mentions table, or a view adding ad-hoc queries' matches
    JOIN articles a USING (article_id)
    WHERE a.date_quality IN ('ok', 'missing')
      AND m.entity_id IN (SELECT entity_id FROM episode_days)
      AND a.published_at >= (SELECT min(day) FROM episode_days)
      AND a.published_at < (SELECT max(day) FROM episode_days) + INTERVAL 1 DAY
      AND CAST(a.published_at AS DATE) IN (SELECT day FROM episode_days)
),
candidates AS MATERIALIZED (
    SELECT e.episode_id, d.article_id, d.in_title
    FROM mention_days d
    JOIN episode_days e ON e.entity_id = d.entity_id AND e.day = d.day
),
candidate_articles AS MATERIALIZED (
    SELECT article_id, source_id, published_at, title
    FROM articles
    WHERE article_id IN (SELECT article_id FROM candidates)
),
stop_words AS (
    SELECT unnest($stop_words) AS word
),
-- One row per distinct title with at least one content word; a title of stop words
-- only has none, and its story key is ''.
story_keys AS (
    SELECT title, string_agg(word, ' ' ORDER BY word) AS story
    FROM (
        SELECT title, unnest(list_distinct(regexp_split_to_array(lower(title), '[^\pL\pN]+'))) AS word
        FROM (SELECT DISTINCT title FROM candidate_articles)
    )
    WHERE word <> '' AND word NOT IN (SELECT word FROM stop_words)
    GROUP BY title
),
stories AS (
    SELECT c.episode_id,
           count(DISTINCT a.source_id) AS outlets,
           bool_or(c.in_title) AS in_title,
           min((a.published_at, a.article_id)) AS first
    FROM candidates c
    JOIN candidate_articles a USING (article_id)
    LEFT JOIN story_keys k USING (title)
    GROUP BY c.episode_id, coalesce(k.story, '')
    QUALIFY row_number() OVER (
        PARTITION BY c.episode_id
        ORDER BY outlets DESC, bool_or(c.in_title) DESC, first
    ) <= $limit
)
SELECT st.episode_id, a.article_id, s.name AS source, a.published_at, a.title, a.url, st.outlets
FROM stories st
JOIN articles a ON a.article_id = st.first[2]
JOIN sources s ON s.source_id = a.source_id
ORDER BY st.episode_id, st.outlets DESC, st.in_title DESC, st.first
