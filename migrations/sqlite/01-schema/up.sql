-- The organisation: cities group districts (county branches), districts group halls.
CREATE TABLE cities (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE districts (
    id      INTEGER PRIMARY KEY,
    name    TEXT NOT NULL UNIQUE,
    city_id INTEGER REFERENCES cities (id)
);

CREATE TABLE branches (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    address     TEXT,
    branch_type TEXT
);

-- Every version of every checklist, with its whole definition as JSON, so
-- that a visit is always scored with the version it was recorded under.
CREATE TABLE checklists (
    id         TEXT NOT NULL,
    version    INTEGER NOT NULL,
    title      TEXT NOT NULL,
    definition TEXT NOT NULL,
    loaded_at  TEXT NOT NULL,
    PRIMARY KEY (id, version)
) WITHOUT ROWID;

-- One row per visit. The answers are one compact blob in checklist order
-- (see storage::codec): a year of national data is read in one scan of
-- this table, not by joining millions of answer rows.
CREATE TABLE visits (
    id                INTEGER PRIMARY KEY,
    key               TEXT NOT NULL UNIQUE,
    visit_id          TEXT,
    branch_id         INTEGER NOT NULL REFERENCES branches (id),
    checklist_id      TEXT NOT NULL,
    checklist_version INTEGER NOT NULL,
    visited_at        TEXT NOT NULL,
    inspector         TEXT,
    notes             TEXT,
    answers           BLOB NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    FOREIGN KEY (checklist_id, checklist_version) REFERENCES checklists (id, version)
);

CREATE INDEX visits_by_checklist_time ON visits (checklist_id, visited_at);
CREATE INDEX visits_by_branch ON visits (branch_id, visited_at);

-- Earlier answers of a visit that was replaced, newest last.
CREATE TABLE visit_history (
    id          INTEGER PRIMARY KEY,
    visit_id    INTEGER NOT NULL REFERENCES visits (id),
    checklist_version INTEGER NOT NULL,
    answers     BLOB NOT NULL,
    notes       TEXT,
    replaced_at TEXT NOT NULL,
    reason      TEXT NOT NULL
);

CREATE INDEX visit_history_by_visit ON visit_history (visit_id);
