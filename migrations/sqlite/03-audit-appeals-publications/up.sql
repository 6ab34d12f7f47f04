-- Every change to visits, checklists, rosters, users, appeals and
-- publications: who, when, what before and after (JSON).
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    actor     TEXT NOT NULL,
    action    TEXT NOT NULL,
    entity    TEXT NOT NULL,
    entity_id TEXT,
    before    TEXT,
    after     TEXT
);

CREATE INDEX audit_by_time ON audit_log (at);

-- A published period: its ranking frozen as a numbered version.
CREATE TABLE publications (
    checklist_id TEXT NOT NULL,
    period       TEXT NOT NULL,
    version      INTEGER NOT NULL,
    published_at TEXT NOT NULL,
    published_by TEXT NOT NULL,
    appeal_days  INTEGER NOT NULL,
    -- The branch rankings JSON of this version.
    rankings     TEXT NOT NULL,
    -- What changed since the previous version (JSON), NULL for version 1.
    changes      TEXT,
    PRIMARY KEY (checklist_id, period, version)
) WITHOUT ROWID;

-- A manager contests one item of one visit.
CREATE TABLE appeals (
    id            INTEGER PRIMARY KEY,
    visit_row     INTEGER NOT NULL REFERENCES visits (id),
    item_code     TEXT NOT NULL,
    requested     TEXT NOT NULL,
    reason        TEXT NOT NULL,
    filed_by      INTEGER NOT NULL REFERENCES users (id),
    filed_at      TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('open', 'accepted', 'rejected')),
    decided_by    INTEGER REFERENCES users (id),
    decided_at    TEXT,
    decision      TEXT,
    old_answer    TEXT,
    -- The publication version the accepted change first appears in.
    issued_in     INTEGER
);

CREATE INDEX appeals_by_visit ON appeals (visit_row);

-- Appeal photos reuse the photo store, keyed by 'appeal-<id>'.
