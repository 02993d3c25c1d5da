-- newstally's tables in a DuckLake (catalog in PostgreSQL, data as Parquet files).
-- The same tables and columns, in the same order, as a warehouse file after every
-- migration in warehouse/migrations/ (a test compares them), without what DuckLake does
-- not have: PRIMARY KEY, UNIQUE, sequences (so no DEFAULT nextval), foreign keys.
-- Ids are copied from the file by `newstally lake import`; what a file's sequences had
-- handed out is kept in lake_sequences. Timestamps are naive UTC, as in the file.

CREATE TABLE schema_migrations (
    version    INTEGER NOT NULL,
    name       VARCHAR NOT NULL,
    applied_at TIMESTAMP NOT NULL
);

CREATE TABLE sources (
    source_id INTEGER NOT NULL,
    name      VARCHAR NOT NULL,
    homepage  VARCHAR NOT NULL,
    country   VARCHAR NOT NULL,
    language  VARCHAR NOT NULL,
    is_demo   BOOLEAN NOT NULL
);

CREATE TABLE feeds (
    feed_id               INTEGER NOT NULL,
    source_id             INTEGER NOT NULL,
    url                   VARCHAR NOT NULL,
    title                 VARCHAR NOT NULL,
    enabled               BOOLEAN NOT NULL,
    disabled_reason       VARCHAR,
    etag                  VARCHAR,
    last_modified         VARCHAR,
    content_hash          VARCHAR,
    next_fetch_at         TIMESTAMP,
    last_success_at       TIMESTAMP,
    last_error            VARCHAR,
    consecutive_failures  INTEGER NOT NULL,
    added_at              TIMESTAMP NOT NULL,
    poll_interval_seconds INTEGER,
    not_modified_since    TIMESTAMP,
    claimed_by            VARCHAR
);

CREATE TABLE articles (
    article_id      BIGINT NOT NULL,
    source_id       INTEGER NOT NULL,
    feed_id         INTEGER,
    identity_key    VARCHAR NOT NULL,
    guid            VARCHAR NOT NULL,
    url             VARCHAR NOT NULL,
    title           VARCHAR NOT NULL,
    summary         VARCHAR NOT NULL,
    published_at    TIMESTAMP NOT NULL,
    date_quality    VARCHAR NOT NULL,
    fetched_at      TIMESTAMP NOT NULL,
    syndication_key VARCHAR
);

CREATE TABLE fetches (
    fetch_id       BIGINT,
    feed_id        INTEGER NOT NULL,
    started_at     TIMESTAMP NOT NULL,
    outcome        VARCHAR NOT NULL,
    status_code    INTEGER,
    bytes_received BIGINT NOT NULL,
    items_seen     INTEGER NOT NULL,
    items_new      INTEGER NOT NULL,
    duration_ms    INTEGER NOT NULL,
    error          VARCHAR,
    moved_to       VARCHAR
);

CREATE TABLE entities (
    entity_id      VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,
    name           VARCHAR NOT NULL,
    case_sensitive BOOLEAN NOT NULL
);

CREATE TABLE aliases (
    entity_id    VARCHAR NOT NULL,
    pattern      VARCHAR NOT NULL,
    is_exclusion BOOLEAN NOT NULL
);

CREATE TABLE mentions (
    article_id  BIGINT NOT NULL,
    entity_id   VARCHAR NOT NULL,
    occurrences INTEGER NOT NULL,
    in_title    BOOLEAN NOT NULL
);

CREATE TABLE events (
    event_id     VARCHAR NOT NULL,
    name         VARCHAR NOT NULL,
    start_date   DATE NOT NULL,
    end_date     DATE NOT NULL,
    participants VARCHAR[] NOT NULL,
    place        VARCHAR NOT NULL,
    entity_ids   VARCHAR[] NOT NULL
);

CREATE TABLE warehouse_facts (
    key   VARCHAR NOT NULL,
    value VARCHAR NOT NULL
);

CREATE TABLE slot_articles (
    slot      TIMESTAMP NOT NULL,
    source_id INTEGER NOT NULL,
    articles  BIGINT NOT NULL
);

CREATE TABLE slot_mentions (
    slot      TIMESTAMP NOT NULL,
    source_id INTEGER NOT NULL,
    entity_id VARCHAR NOT NULL,
    articles  BIGINT NOT NULL,
    mentions  BIGINT NOT NULL
);

-- Only in a lake: the last value each of the file's sequences had handed out, so that
-- `newstally check` can still tell an id that was never assigned.
CREATE TABLE lake_sequences (
    sequence_name VARCHAR NOT NULL,
    last_value    BIGINT
);
