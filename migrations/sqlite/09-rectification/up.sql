-- Rectification (整改): one ticket per hall and item that lost points on an
-- accepted visit of a published period.
CREATE TABLE rectifications (
    id            INTEGER PRIMARY KEY,
    checklist_id  TEXT NOT NULL,
    -- The period as written on the command line (2026-03, 2026-Q1 …).
    period        TEXT NOT NULL,
    -- The period's last day: visits after it may settle the ticket.
    period_end    TEXT NOT NULL,
    branch_code   TEXT NOT NULL REFERENCES branches (code),
    item_code     TEXT NOT NULL,
    critical      INTEGER NOT NULL CHECK (critical IN (0, 1)),
    opened_at     TEXT NOT NULL,
    -- Days the hall has to fix it: from publication, and again from a
    -- visit that found it failing again.
    days          INTEGER NOT NULL CHECK (days > 0),
    due           TEXT NOT NULL,
    status        TEXT NOT NULL
        CHECK (status IN ('open', 'responded', 'closed', 'verified', 'repeated', 'withdrawn')),
    -- Whether a later visit ever found the item losing points again.
    repeated      INTEGER NOT NULL DEFAULT 0 CHECK (repeated IN (0, 1)),
    response      TEXT,
    responded_by  TEXT,
    responded_at  TEXT,
    -- Headquarters' last decision (close or reopen) and its comment.
    decided_by    TEXT,
    decided_at    TEXT,
    decision      TEXT,
    -- The visit that settled it, and that visit's day.
    settled_by    INTEGER REFERENCES visits (id),
    settled_on    TEXT,
    -- The re-visit (复查) planned for it, if one was.
    revisit       INTEGER REFERENCES assignments (id),
    UNIQUE (checklist_id, period, branch_code, item_code)
);

CREATE INDEX rectifications_by_branch ON rectifications (branch_code, status);

-- The visits of the period that lost points on the ticket's item.
CREATE TABLE rectification_visits (
    rectification_id INTEGER NOT NULL REFERENCES rectifications (id),
    visit_row        INTEGER NOT NULL REFERENCES visits (id),
    PRIMARY KEY (rectification_id, visit_row)
) WITHOUT ROWID;

CREATE INDEX rectification_visits_by_visit ON rectification_visits (visit_row);

-- A ticket's photos reuse the photo store, keyed by 'rectify-<id>'.
