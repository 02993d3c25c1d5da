-- Mentions from the hits of every pass: a hit counts for the entity its matched text
-- belongs to (tally_hit_entities, mapped in Python from the distinct matched texts);
-- swallowed glued words belong to none and drop out of the join.
INSERT INTO mentions (article_id, entity_id, occurrences, in_title)
SELECT h.article_id, m.entity_id, count(*)::INTEGER AS occurrences, bool_or(h.in_title) AS in_title
FROM tally_hits h
JOIN tally_hit_entities m ON m.pass_number = h.pass_number AND m.matched = h.matched
GROUP BY h.article_id, m.entity_id
