-- Ingest hardening: what the fetcher must remember to stay polite and honest about
-- each feed, and the key that tells syndicated copies of one story apart from
-- original coverage. Timestamps are naive UTC, as in 0001.

-- The feed's current polling interval, adapted to how often it has new items;
-- NULL until the fetcher has set one.
ALTER TABLE feeds ADD COLUMN poll_interval_seconds INTEGER;

-- When the current unbroken run of 304 answers began; NULL after any 200. Some
-- servers keep one ETag after the feed changed, so a long run earns an
-- unconditional fetch now and then.
ALTER TABLE feeds ADD COLUMN not_modified_since TIMESTAMP;

-- A hash of the normalised title, shared by every outlet's copy of a wire story;
-- NULL for titles too short to tell stories apart, and for articles stored
-- before this migration.
ALTER TABLE articles ADD COLUMN syndication_key VARCHAR;

-- Where a permanent redirect pointed the fetch; the feed's URL follows it.
ALTER TABLE fetches ADD COLUMN moved_to VARCHAR;
