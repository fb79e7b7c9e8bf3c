-- One row per container seen, kept up to date by the writer in each batch's
-- transaction, so the container list never scans `logs`. `count` counts every record
-- stored since the container was first seen (retention does not subtract).
CREATE TABLE containers (
  container_name text        PRIMARY KEY,
  container_id   text,
  project        text,
  service        text,
  host           text,
  count          bigint      NOT NULL DEFAULT 0,
  first_seen     timestamptz NOT NULL,
  last_seen      timestamptz NOT NULL
);
