-- Failed sign-ins, kept in the database so that every server of it counts
-- the same ones: a name or an address locked on one server is locked on all.
CREATE TABLE sign_in_failures (
    -- user:<name in lower case> or ip:<address>
    key TEXT NOT NULL,
    at  TEXT NOT NULL
);
CREATE INDEX sign_in_failures_by_key ON sign_in_failures (key, at);
