-- Compressed storage (issue 17; docs/architecture.md, "Packs"). Lines are stored as packs:
-- one row per block of one stream's lines (one label set, as Loki and VictoriaLogs group
-- by stream), each column compressed on its own (core/packs/). A writer's batch writes one
-- level-0 pack per stream it holds, in the batch's own transaction (searchable at commit);
-- the compactor merges a stream's small packs into level-1 packs, INSERT and DELETE in one
-- transaction. `logs` keeps the rows written before this migration until the compactor
-- has turned them into packs too.
--
-- The labels are plain columns (constant per pack): a filter on them is SQL, and a
-- container filter reads only that container's packs. A pack never spans two UTC days of
-- its rows' times, so retention drops whole day partitions.

CREATE TABLE log_packs (
  pack_id        bigint      NOT NULL,   -- the id of its first row: unique across writers
  level          smallint    NOT NULL,   -- 0: written by a batch; 1 and up: merged
  source         text COLLATE "C" NOT NULL,
  host           text COLLATE "C",
  container_id   text COLLATE "C",
  container_name text COLLATE "C",
  stream         text COLLATE "C",
  tag            text COLLATE "C",
  app            text COLLATE "C",
  project        text COLLATE "C",
  service        text COLLATE "C",
  min_ts         timestamptz NOT NULL,   -- the earliest row time (ms, rounded down)
  max_ts         timestamptz NOT NULL,   -- past the latest row time (core/record.ts maxEventMs)
  min_id         bigint      NOT NULL,
  max_id         bigint      NOT NULL,
  rows           integer     NOT NULL,
  raw_bytes      integer     NOT NULL,   -- UTF-8 bytes of the messages, before compression
  bloom          bytea       NOT NULL,   -- trigram Bloom filter of the messages (core/trigram-bloom.ts)
  data           bytea       NOT NULL,   -- the columns (core/packs/)
  PRIMARY KEY (pack_id, min_ts)
) PARTITION BY RANGE (min_ts);

CREATE TABLE log_packs_default PARTITION OF log_packs DEFAULT;

-- Already compressed: no pglz attempt, stored out of line as they are.
ALTER TABLE log_packs ALTER COLUMN data SET STORAGE EXTERNAL;
ALTER TABLE log_packs ALTER COLUMN bloom SET STORAGE EXTERNAL;

-- Newest first (and oldest first) walks over a time range.
CREATE INDEX log_packs_max_ts ON log_packs (max_ts);
CREATE INDEX log_packs_min_ts ON log_packs (min_ts);
-- A record by id (context, the tail's reads of other processes' batches).
CREATE INDEX log_packs_max_id ON log_packs (max_id);
-- A container's packs over a time range.
CREATE INDEX log_packs_container_max_ts ON log_packs (container_name, max_ts);
-- The compactor's work: level-0 packs of a stream.
CREATE INDEX log_packs_level0 ON log_packs (container_id, container_name, stream, min_id)
  WHERE level = 0;

-- Progress of turning pre-migration rows of `logs` into packs (one row: the highest
-- log_blocks block_id done), so an interrupted upgrade resumes.
CREATE TABLE pack_upgrade (
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  done_upto  bigint  NOT NULL DEFAULT -1,
  finished   boolean NOT NULL DEFAULT false
);
INSERT INTO pack_upgrade DEFAULT VALUES;
