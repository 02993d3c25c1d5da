-- Only in a lake: the last value each of the file's sequences had handed out, so that
-- `newstally check` can still tell an id that was never assigned.
CREATE TABLE lake_sequences (
    sequence_name VARCHAR NOT NULL,
    last_value    BIGINT
);
