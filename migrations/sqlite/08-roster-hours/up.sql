-- A hall's opening and busy hours, as the roster gives them
-- (`09:00-18:00`, `11:00-13:00、17:00-19:00`); empty means the usual ones.
ALTER TABLE branches ADD COLUMN opening_hours TEXT;
ALTER TABLE branches ADD COLUMN peak_hours TEXT;

-- An assignment is a planned visit, or a re-visit (复查) an admin adds
-- for one hall after the plan was made.
ALTER TABLE assignments ADD COLUMN kind TEXT NOT NULL DEFAULT 'visit'
    CHECK (kind IN ('visit', 'revisit'));
