-- People who sign in, and what they may see.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'inspector')),
    scope_kind    TEXT CHECK (scope_kind IN ('city', 'district')),
    scope_name    TEXT,
    password_hash TEXT,
    created_at    TEXT NOT NULL
);

-- Browser sessions and API tokens are stored only as SHA-256 hashes.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
) WITHOUT ROWID;

-- Half-filled visits, saved from the tablet as they are entered.
CREATE TABLE drafts (
    id          TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    branch_code TEXT,
    body        TEXT NOT NULL,
    updated_at  TEXT NOT NULL
) WITHOUT ROWID;

-- Photos are files beside the database; a photo may arrive before its
-- visit (uploaded first from the tablet), so it refers to the visit's id.
CREATE TABLE photos (
    id           TEXT PRIMARY KEY,
    visit_id     TEXT NOT NULL,
    item_code    TEXT,
    user_id      INTEGER NOT NULL REFERENCES users (id),
    file         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    created_at   TEXT NOT NULL
) WITHOUT ROWID;

CREATE INDEX photos_by_visit ON photos (visit_id);

-- Notes per item, as JSON {"A01": "…"} (NULL when there are none).
ALTER TABLE visits ADD COLUMN item_notes TEXT;

-- Who recorded a visit in the app (NULL for imported visits).
ALTER TABLE visits ADD COLUMN recorded_by INTEGER REFERENCES users (id);
CREATE INDEX visits_by_recorder ON visits (recorded_by, visited_at);
