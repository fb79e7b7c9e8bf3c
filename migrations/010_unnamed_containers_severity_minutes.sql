-- Issue 18: containers known only by id, and per-minute counts per severity.
--
-- 1. Docker's syslog driver with its default tag ({{.ID}}) sends the container id and no
--    name: such records were left out of `containers` (keyed by name) and of
--    `container_minutes`, so the container list never showed them. A container is now a
--    row with its name when one is known, else a row with only its id (one per id, as the
--    records carry it). The list shows an id-only row under the named row of the same
--    container once one exists (api/container-list.ts; ids are matched on their first 12
--    hex digits, Docker's short id, which the syslog tag carries where the fluentd driver
--    sends the full one), so the writer only adds to one row or the other.
ALTER TABLE containers DROP CONSTRAINT containers_pkey;
ALTER TABLE containers ALTER COLUMN container_name DROP NOT NULL;
ALTER TABLE containers ADD CONSTRAINT containers_name_key UNIQUE (container_name);
ALTER TABLE containers
  ADD CONSTRAINT containers_name_or_id CHECK (container_name IS NOT NULL OR container_id IS NOT NULL);
CREATE UNIQUE INDEX containers_unnamed_id ON containers (container_id) WHERE container_name IS NULL;

-- 2. Per-minute counts per severity (-1: none), kept by the writer in each batch's
--    transaction, so the histogram by level, and of a level filter, sums at most
--    1440 * 9 rows a day per key instead of reading every row of its range
--    (api/search/histogram.ts):
--      severity_minutes            every record; summed over severities it is what
--                                  log_minutes (004) held, which the writer no longer
--                                  writes (a batch writes as many statements as before;
--                                  one more upsert measured 0.1-0.2 ms of a 3 ms batch of
--                                  14 events, Docker's one-event-per-request mode).
--                                  log_minutes stays, unwritten, so a collector of the
--                                  previous version still commits during an upgrade.
--      container_minutes (008)     now per severity too: a container's histogram by level
--      unnamed_container_minutes   records without a name, by their id exactly as carried
CREATE TABLE severity_minutes (
  minute   timestamptz NOT NULL,
  severity smallint    NOT NULL,
  n        bigint      NOT NULL,
  PRIMARY KEY (minute, severity)
);

ALTER TABLE container_minutes ADD COLUMN severity smallint NOT NULL DEFAULT -1;
ALTER TABLE container_minutes DROP CONSTRAINT container_minutes_pkey;
ALTER TABLE container_minutes ADD PRIMARY KEY (container_name, minute, severity);

CREATE TABLE unnamed_container_minutes (
  container_id text COLLATE "C" NOT NULL,
  minute       timestamptz NOT NULL,
  severity     smallint    NOT NULL,
  n            bigint      NOT NULL,
  PRIMARY KEY (container_id, minute, severity)
);

-- Records stored before this migration, in one pass over `logs`.
CREATE TEMP TABLE counts_010 ON COMMIT DROP AS
SELECT container_name, CASE WHEN container_name IS NULL THEN container_id END AS container_id,
       date_trunc('minute', ts) AS minute, coalesce(severity, -1) AS severity, count(*) AS n,
       max(project) AS project, max(service) AS service, max(host) AS host,
       min(received_at) AS first_seen, max(received_at) AS last_seen
  FROM logs GROUP BY 1, 2, 3, 4;

INSERT INTO severity_minutes (minute, severity, n)
SELECT minute, severity, sum(n) FROM counts_010 GROUP BY 1, 2;

TRUNCATE container_minutes;
INSERT INTO container_minutes (container_name, minute, severity, n)
SELECT container_name, minute, severity, n FROM counts_010 WHERE container_name IS NOT NULL;

INSERT INTO unnamed_container_minutes (container_id, minute, severity, n)
SELECT container_id, minute, severity, n FROM counts_010 WHERE container_id IS NOT NULL;

INSERT INTO containers (container_name, container_id, project, service, host, count, first_seen, last_seen)
SELECT NULL, container_id, max(project), max(service), max(host), sum(n), min(first_seen),
       max(last_seen)
  FROM counts_010 WHERE container_id IS NOT NULL GROUP BY container_id;
