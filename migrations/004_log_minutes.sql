-- Records per minute of event time, kept by the writer in each batch's transaction, so a
-- histogram of everything (the page's default view) sums at most 1440 rows a day
-- instead of counting millions of rows. Queries with a filter count the rows themselves
-- (through the skip index when they have words).
CREATE TABLE log_minutes (
  minute timestamptz PRIMARY KEY,
  n      bigint      NOT NULL
);

-- Records stored before this migration.
INSERT INTO log_minutes (minute, n)
SELECT date_trunc('minute', ts), count(*) FROM logs GROUP BY 1;
