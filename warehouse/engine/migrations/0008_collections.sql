-- Collections (issue 15): named groups of outlets that every count can be restricted to.
-- A collection is a rule (country and/or language; NULL: any), resolved when read so an
-- outlet added later joins it, or a hand-picked list of outlets (collection_sources).
CREATE TABLE collections (
    name       VARCHAR PRIMARY KEY,
    country    VARCHAR,               -- ISO 3166 code, compared without case; NULL: any country
    language   VARCHAR,               -- e.g. en or en-GB; `en` also takes en-GB; NULL: any language
    created_at TIMESTAMP NOT NULL     -- UTC
);

CREATE TABLE collection_sources (
    collection VARCHAR NOT NULL,
    source_id  INTEGER NOT NULL,
    PRIMARY KEY (collection, source_id)
);
