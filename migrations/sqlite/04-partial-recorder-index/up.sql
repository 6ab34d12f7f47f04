-- Only visits recorded in the app have a recorder; imported ones (nearly
-- all of a national year) need no entry in this index.
DROP INDEX visits_by_recorder;
CREATE INDEX visits_by_recorder ON visits (recorded_by, visited_at) WHERE recorded_by IS NOT NULL;
