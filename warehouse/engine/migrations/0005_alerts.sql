-- Alerts and digests (issue 16): the rules, the episodes a rule has seen, every message
-- decided (sent, held, failed) and every delivery attempt to every channel. They live in
-- the warehouse so every scheduler host shares them. Timestamps are naive UTC.

-- A rule: a spike alert on an entity or a query, or a digest sent at a local time.
CREATE TABLE alert_rules (
    name           VARCHAR PRIMARY KEY,
    kind           VARCHAR NOT NULL,      -- spike | digest
    entity_id      VARCHAR,               -- spike: what is watched, this or query_text
    query_text     VARCHAR,
    channels       VARCHAR[] NOT NULL,    -- Apprise URLs
    threshold      DOUBLE,                -- spike: score the day so far must reach
    min_articles   INTEGER,               -- spike: articles the day so far needs
    quiet_start    VARCHAR,               -- spike: HH:MM, local, or NULL
    quiet_end      VARCHAR,
    cooldown_hours DOUBLE,                -- spike: no message within this long of the last one sent
    send_at        VARCHAR,               -- digest: HH:MM, local
    entity_ids     VARCHAR[],             -- digest: watched entities (NULL: those of the spike rules)
    time_zone      VARCHAR NOT NULL,
    created_at     TIMESTAMP NOT NULL
);

-- A run of local days on which a spike rule's coverage stood far above usual; a day
-- above usual right after one extends it, so one story is one episode, one alert.
CREATE TABLE alert_episodes (
    episode_id VARCHAR PRIMARY KEY,       -- rule:first local day
    rule_name  VARCHAR NOT NULL,
    first_day  DATE NOT NULL,
    last_day   DATE NOT NULL,             -- the latest local day judged above usual
    first_seen_at TIMESTAMP NOT NULL      -- the instant first judged above usual
);

-- One message a pass decided on: an alert, its update, a digest, a test.
CREATE SEQUENCE alert_message_ids START 1;
CREATE TABLE alert_messages (
    message_id     BIGINT PRIMARY KEY DEFAULT nextval('alert_message_ids'),
    rule_name      VARCHAR NOT NULL,
    kind           VARCHAR NOT NULL,      -- alert | update | digest | test
    episode_id     VARCHAR,               -- alert and update: the episode; digest: rule:local day
    evaluated_at   TIMESTAMP NOT NULL,    -- the instant judged (the clock, or --at)
    decided_at     TIMESTAMP NOT NULL,    -- the wall clock when it was decided
    status         VARCHAR NOT NULL,      -- held | delivered (the deliveries tell how it went)
    hold_reason    VARCHAR,               -- why it was held; kept after a held message is sent
    held_until     VARCHAR,               -- quiet: the local HH:MM it waits for
    title          VARCHAR NOT NULL,
    body_text      VARCHAR NOT NULL,
    body_html      VARCHAR NOT NULL,
    body_chat      VARCHAR NOT NULL,
    articles       INTEGER,
    total_articles INTEGER,
    share          DOUBLE,
    usual_share    DOUBLE,
    score          DOUBLE
);

-- One attempt to hand one message to one channel, and what the channel answered.
CREATE TABLE alert_deliveries (
    message_id   BIGINT NOT NULL,
    channel      VARCHAR NOT NULL,        -- the Apprise URL as configured
    shown_as     VARCHAR NOT NULL,        -- the same with secrets masked, for history and status
    attempt      INTEGER NOT NULL,        -- 1, 2, ... across passes
    attempted_at TIMESTAMP NOT NULL,      -- wall clock
    ok           BOOLEAN NOT NULL,
    answer       VARCHAR NOT NULL
);
