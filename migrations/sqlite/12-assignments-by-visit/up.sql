-- The assignment a visit carried out, found from the visit: every visit's
-- record asks for it (its page, the answer to a submission), and a year's
-- plan holds tens of thousands of assignments.
CREATE INDEX assignments_by_visit ON assignments (visit_id);
