-- Each visit's points per item (see storage::codec), as the domain's
-- scoring gave them when its answers were written: reports add them up
-- instead of scoring every answer again. Rows stored before are filled by
-- this migration's hook (storage::points::fill). NULL means not known, and
-- a report then scores the answers itself.
ALTER TABLE visits ADD COLUMN points BLOB;
