-- Who may read through the HTTP API (`newstally api`). Only a token's SHA-256 is kept:
-- whoever reads this file (or a backup of it) learns names, not tokens. A revoked token
-- keeps its row, so `newstally tokens list` still shows when it was revoked; creating a
-- token under a revoked name replaces that row.
CREATE TABLE api_tokens (
    name         VARCHAR PRIMARY KEY,
    token_sha256 VARCHAR NOT NULL UNIQUE,   -- hex digest of the token
    created_at   TIMESTAMP NOT NULL,        -- UTC
    revoked_at   TIMESTAMP                  -- UTC; NULL while the token is valid
);
