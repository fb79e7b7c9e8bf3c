-- Issue 18: containers known only by id, and per-minute counts per severity.
--
-- 1. Docker's syslog driver with its default tag ({{.ID}}) sends the container id and no
--    name: such records were left out of `containers` (keyed by name) and of
--    `container_minutes`, so the container list never showed them. A container is now a
--    row with its name when one is known, else a row with only its id (at most one such
--    row per id). The writer counts a record without a name into the named row of its id
--    when one exists, and folds an id-only row into the named row once a record brings
--    both (collector/writer/summaries.ts). Ids are matched on their first 12 hex digits:
--    the syslog tag carries Docker's short id, the fluentd driver the full one.
ALTER TABLE containers DROP CONSTRAINT containers_pkey;
ALTER TABLE containers ALTER COLUMN container_name DROP NOT NULL;
ALTER TABLE containers ADD CONSTRAINT containers_name_key UNIQUE (container_name);
ALTER TABLE containers
  ADD CONSTRAINT containers_name_or_id CHECK (container_name IS NOT NULL OR container_id IS NOT NULL);
CREATE UNIQUE INDEX containers_unnamed_id ON containers (container_id) WHERE container_name IS NULL;
CREATE INDEX containers_short_id ON containers (left(container_id, 12));

-- Records per minute of event time per container id, for records without a container
-- name (what container_minutes is for named ones): the container list's counts in a time
-- range (api/routes/containers.ts) and the histogram by container read these instead of
-- the rows. Keyed by the id exactly as the records carry it.
CREATE TABLE unnamed_container_minutes (
  container_id text COLLATE "C" NOT NULL,
  minute       timestamptz NOT NULL,
  n            bigint      NOT NULL,
  PRIMARY KEY (container_id, minute)
);

-- 2. Records per minute of event time per severity (-1: none), kept by the writer as 004
--    keeps them for everything: the histogram by level of everything (the page's default
--    view) sums at most 1440 * 9 rows a day instead of reading every row of its range.
CREATE TABLE severity_minutes (
  minute   timestamptz NOT NULL,
  severity smallint    NOT NULL,
  n        bigint      NOT NULL,
  PRIMARY KEY (minute, severity)
);

-- Records stored before this migration: one pass over the rows without a name, one over all.
CREATE TEMP TABLE unnamed_010 ON COMMIT DROP AS
SELECT container_id, date_trunc('minute', ts) AS minute, count(*) AS n, max(project) AS project,
       max(service) AS service, max(host) AS host, min(received_at) AS first_seen,
       max(received_at) AS last_seen
  FROM logs WHERE container_name IS NULL AND container_id IS NOT NULL GROUP BY 1, 2;

INSERT INTO unnamed_container_minutes (container_id, minute, n)
SELECT container_id, minute, n FROM unnamed_010;

-- Counted into the named row of the same id, as the writer does from now on.
UPDATE containers c SET count = c.count + u.n, last_seen = greatest(c.last_seen, u.last_seen)
  FROM (SELECT left(container_id, 12) AS short, sum(n) AS n, max(last_seen) AS last_seen
          FROM unnamed_010 GROUP BY 1) u
 WHERE c.container_name IS NOT NULL AND left(c.container_id, 12) = u.short;

INSERT INTO containers (container_name, container_id, project, service, host, count, first_seen, last_seen)
SELECT NULL, u.container_id, max(u.project), max(u.service), max(u.host), sum(u.n),
       min(u.first_seen), max(u.last_seen)
  FROM unnamed_010 u
 WHERE NOT EXISTS (SELECT 1 FROM containers c
                    WHERE c.container_name IS NOT NULL
                      AND left(c.container_id, 12) = left(u.container_id, 12))
 GROUP BY u.container_id;

INSERT INTO severity_minutes (minute, severity, n)
SELECT date_trunc('minute', ts), coalesce(severity, -1), count(*) FROM logs GROUP BY 1, 2;
