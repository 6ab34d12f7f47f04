-- Review before a visit counts. A visit of a checklist with `review = true`
-- arrives pending; only accepted visits count in any figure. Visits stored
-- before review existed counted already: they are accepted.
ALTER TABLE visits ADD COLUMN status TEXT NOT NULL DEFAULT 'accepted'
    CHECK (status IN ('pending', 'accepted', 'returned', 'excluded'));
-- The last decision: who (account name), when, and the comment or reason.
ALTER TABLE visits ADD COLUMN reviewed_by TEXT;
ALTER TABLE visits ADD COLUMN reviewed_at TEXT;
ALTER TABLE visits ADD COLUMN review_comment TEXT;
-- The automatic flags found when the visit or one of its photos arrived,
-- as JSON [{"code", "message"}] (NULL when none were looked for).
ALTER TABLE visits ADD COLUMN flags TEXT;
-- Minutes from opening the form at the hall to submitting it, when the
-- tablet measured them.
ALTER TABLE visits ADD COLUMN minutes_at_hall REAL;

CREATE INDEX visits_by_status ON visits (status, checklist_id, visited_at)
    WHERE status <> 'accepted';

-- A photo's SHA-256 (to find one sent for two visits) and its capture time,
-- from the file's EXIF or as the tablet read it before resizing.
ALTER TABLE photos ADD COLUMN sha256 TEXT;
ALTER TABLE photos ADD COLUMN taken_at TEXT;
ALTER TABLE photos ADD COLUMN taken_from TEXT CHECK (taken_from IN ('exif', 'device'));

CREATE INDEX photos_by_sha256 ON photos (sha256);

-- Managers who may review the visits in their scope (admins always may).
ALTER TABLE users ADD COLUMN can_review INTEGER NOT NULL DEFAULT 0 CHECK (can_review IN (0, 1));
