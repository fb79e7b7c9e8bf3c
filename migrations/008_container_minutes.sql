-- Records per minute of event time per container, kept by the writer in each batch's
-- transaction as 004 keeps them for everything. Since migration 007 there is no per-row
-- index on container_name, so the histogram of a container filter (what the page shows
-- after a click on a container) would read every row of its time range; this sums at
-- most 1440 rows a day per container.
CREATE TABLE container_minutes (
  container_name text COLLATE "C" NOT NULL,
  minute         timestamptz NOT NULL,
  n              bigint      NOT NULL,
  PRIMARY KEY (container_name, minute)
);

-- Records stored before this migration.
INSERT INTO container_minutes (container_name, minute, n)
SELECT container_name, date_trunc('minute', ts), count(*) FROM logs
 WHERE container_name IS NOT NULL GROUP BY 1, 2;
