-- Every watchlist the warehouse has counted with, newest last: the current watchlist is the
-- newest version (its text is also in warehouse_facts, where the tally reads it). A change
-- (an import, an entity added, edited or retired in the dashboard, a revert, a `retally`
-- with an edited file) adds a version with the whole TOML text, so any version can be
-- exported or reverted to. A warehouse made before versions gets its stored watchlist as
-- version 1.
CREATE TABLE watchlist_versions (
    version        INTEGER PRIMARY KEY,
    created_at     TIMESTAMP NOT NULL,     -- UTC
    action         VARCHAR NOT NULL,       -- install | retally | import | add | edit | retire | revert
    entity_id      VARCHAR,                -- the entity added, edited or retired; NULL for whole-file changes
    summary        VARCHAR NOT NULL,       -- what changed, in a line
    author         VARCHAR,                -- who, when given
    watchlist_toml VARCHAR NOT NULL,
    watchlist_hash VARCHAR NOT NULL
);

INSERT INTO watchlist_versions
SELECT 1, (now() AT TIME ZONE 'UTC')::TIMESTAMP, 'install', NULL,
       'the watchlist stored before versions were kept', NULL, t.value, h.value
FROM warehouse_facts t JOIN warehouse_facts h ON h.key = 'watchlist_hash'
WHERE t.key = 'watchlist_toml';
