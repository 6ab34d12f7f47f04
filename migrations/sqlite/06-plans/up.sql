-- Visit plans: who visits which hall on which day, in which time window.
-- One plan per period, kept under its days (`2026-07-01..2026-09-30`). A
-- visit that carries out an assignment is linked to it once it is found.
CREATE TABLE assignments (
    id           INTEGER PRIMARY KEY,
    period       TEXT NOT NULL,
    branch_code  TEXT NOT NULL REFERENCES branches (code),
    inspector    TEXT NOT NULL,
    date         TEXT NOT NULL,
    window_start TEXT NOT NULL,
    window_end   TEXT NOT NULL,
    peak         INTEGER NOT NULL CHECK (peak IN (0, 1)),
    visit_id     INTEGER REFERENCES visits (id),
    created_at   TEXT NOT NULL
);

CREATE INDEX assignments_by_period ON assignments (period, date);
