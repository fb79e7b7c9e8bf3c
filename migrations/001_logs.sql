-- The record table (docs/architecture.md, "The record"), range-partitioned by day on ts.
-- Day partitions are made ahead of time by the collector (core/db/partitions.ts); the
-- DEFAULT partition catches every time outside them, so no record is ever refused.
-- Text columns use the "C" collation whatever the server's locale: case-insensitive
-- matching then folds exactly A-Z in SQL, as the live-tail predicate does (api/query),
-- and a plain btree serves prefix LIKE on names.

CREATE TABLE logs (
  id             bigint      NOT NULL,
  ts             timestamptz NOT NULL,
  ts_ns          smallint    NOT NULL DEFAULT 0,   -- nanoseconds below the microsecond
  received_at    timestamptz NOT NULL,
  source         text COLLATE "C" NOT NULL,
  host           text COLLATE "C",
  container_id   text COLLATE "C",
  container_name text COLLATE "C",
  stream         text COLLATE "C",
  tag            text COLLATE "C",
  app            text COLLATE "C",
  project        text COLLATE "C",
  service        text COLLATE "C",
  severity       smallint,
  facility       smallint,
  message        text COLLATE "C" NOT NULL,
  attrs          jsonb
) PARTITION BY RANGE (ts);

CREATE TABLE logs_default PARTITION OF logs DEFAULT;

-- Newest first (keyset pagination on ts, id) and time ranges.
CREATE INDEX logs_ts_id ON logs (ts, id);
-- Container filters over a time range.
CREATE INDEX logs_container_ts ON logs (container_name, ts);
-- Tail resume (id > cursor) and context look-ups; ids grow with arrival, so BRIN is tight.
CREATE INDEX logs_id_brin ON logs USING brin (id);

-- Record ids are handed out by the writer in blocks of 65536 (one nextval per block),
-- so a batch knows its ids before COPY and can publish them after commit.
CREATE SEQUENCE logs_id_block_seq;

-- Forward protocol chunk ids already stored (Forward Protocol v1, "option.chunk"):
-- a client that resends a chunk it got no ack for must not store it twice. Written in
-- the same transaction as the chunk's records; old rows are pruned.
CREATE TABLE forward_chunks (
  chunk       text COLLATE "C"        PRIMARY KEY,
  stored_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX forward_chunks_stored_at ON forward_chunks (stored_at);

-- Docker partial-line parts acked before their line is complete
-- (collector/normalize/partial-join.ts). The joined line deletes them when written.
CREATE TABLE partial_parts (
  key        text COLLATE "C" NOT NULL,
  ordinal    integer     NOT NULL,
  stashed_at timestamptz NOT NULL DEFAULT now(),
  record     jsonb       NOT NULL,
  PRIMARY KEY (key, ordinal)
);
