-- The name an account's visits carry as 暗访员: someone signs in as
-- wangmin and visits halls as 王敏. Until told otherwise it is the
-- account's name. One name belongs to one account.
ALTER TABLE users ADD COLUMN display_name TEXT;
UPDATE users SET display_name = name;
CREATE UNIQUE INDEX users_by_display_name ON users (display_name);

-- An inspector's own visits include those imported under their name, so
-- their list finds them by name as well as by recorder.
CREATE INDEX visits_by_inspector ON visits (inspector, visited_at) WHERE inspector IS NOT NULL;
