-- The first schema: outlets, feeds, articles (the truth), fetch log, watchlist,
-- mentions (derived from articles + watchlist) and the events calendar.
-- Timestamps are naive UTC throughout.

CREATE SEQUENCE source_ids START 1;
CREATE TABLE sources (
    source_id INTEGER PRIMARY KEY DEFAULT nextval('source_ids'),
    name      VARCHAR NOT NULL UNIQUE,
    homepage  VARCHAR NOT NULL DEFAULT '',
    country   VARCHAR NOT NULL DEFAULT '',
    language  VARCHAR NOT NULL DEFAULT '',
    is_demo   BOOLEAN NOT NULL DEFAULT false
);

CREATE SEQUENCE feed_ids START 1;
CREATE TABLE feeds (
    feed_id              INTEGER PRIMARY KEY DEFAULT nextval('feed_ids'),
    source_id            INTEGER NOT NULL,
    url                  VARCHAR NOT NULL UNIQUE,
    title                VARCHAR NOT NULL DEFAULT '',
    enabled              BOOLEAN NOT NULL DEFAULT true,
    disabled_reason      VARCHAR,
    etag                 VARCHAR,
    last_modified        VARCHAR,
    content_hash         VARCHAR,
    next_fetch_at        TIMESTAMP,
    last_success_at      TIMESTAMP,
    last_error           VARCHAR,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    added_at             TIMESTAMP NOT NULL
);

CREATE SEQUENCE article_ids START 1;
CREATE TABLE articles (
    article_id   BIGINT PRIMARY KEY DEFAULT nextval('article_ids'),
    source_id    INTEGER NOT NULL,
    feed_id      INTEGER,                 -- the feed it first came through; NULL for archives and demo history
    identity_key VARCHAR NOT NULL,        -- guid, else canonical URL, else hash of title and date
    guid         VARCHAR NOT NULL,
    url          VARCHAR NOT NULL,
    title        VARCHAR NOT NULL,
    summary      VARCHAR NOT NULL,
    published_at TIMESTAMP NOT NULL,      -- what series bucket by; the fetch time when the feed gave none
    date_quality VARCHAR NOT NULL,        -- ok | missing | future | ancient; only ok and missing are bucketed
    fetched_at   TIMESTAMP NOT NULL,
    UNIQUE (source_id, identity_key)
);

CREATE SEQUENCE fetch_ids START 1;
CREATE TABLE fetches (
    fetch_id       BIGINT DEFAULT nextval('fetch_ids'),
    feed_id        INTEGER NOT NULL,
    started_at     TIMESTAMP NOT NULL,
    outcome        VARCHAR NOT NULL,
    status_code    INTEGER,
    bytes_received BIGINT NOT NULL DEFAULT 0,
    items_seen     INTEGER NOT NULL DEFAULT 0,
    items_new      INTEGER NOT NULL DEFAULT 0,
    duration_ms    INTEGER NOT NULL,
    error          VARCHAR
);

CREATE TABLE entities (
    entity_id      VARCHAR PRIMARY KEY,
    kind           VARCHAR NOT NULL,      -- leader | theme
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
    event_id     VARCHAR PRIMARY KEY,
    name         VARCHAR NOT NULL,
    start_date   DATE NOT NULL,
    end_date     DATE NOT NULL,
    participants VARCHAR[] NOT NULL,
    place        VARCHAR NOT NULL DEFAULT '',
    entity_ids   VARCHAR[] NOT NULL
);

-- Small facts about the warehouse as a whole: watchlist hash, demo flag.
CREATE TABLE warehouse_facts (
    key   VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);
