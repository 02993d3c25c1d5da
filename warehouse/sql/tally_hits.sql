-- Every hit of one match pass over the articles in scope: the matched text (with the
-- non-word character that ended it) and whether it was found in the title.
-- {title_text} / {summary_text}: the column, or the column inside the regexp_replace steps
-- that replace exclusions ($mask_pattern_N, $mask_rewrite_N); {scope}: empty, or a semi
-- join to tally_scope / tally_rescan. Both are code constants of warehouse/counting/tally.py; every
-- pattern is a parameter.
INSERT INTO tally_hits
SELECT $pass_number, article_id, matched, in_title
FROM (
    SELECT a.article_id, unnest(regexp_extract_all({title_text}, $extract_pattern)) AS matched, true AS in_title
    FROM articles a {scope}
    UNION ALL
    SELECT a.article_id, unnest(regexp_extract_all({summary_text}, $extract_pattern)) AS matched, false AS in_title
    FROM articles a {scope}
)
