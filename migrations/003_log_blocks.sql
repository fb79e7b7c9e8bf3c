-- The trigram skip index (docs/architecture.md, "The block index"): per-block token
-- blooms computed in the collector, as VictoriaLogs does. A trigram GIN on `logs` made
-- `\copy` of 2M rows take 218 s against 15.4 s with the other indexes (same section);
-- instead the collector sums up each block of consecutive rows of one writer (ids
-- [min_id, max_id], up to 4096 rows or 60 s) in one Bloom filter of the lower-cased
-- byte trigrams of their messages (core/trigram-bloom.ts), inserted here when the block
-- closes. A word search first keeps the blocks whose filter has every bit of the word's
-- trigrams (api/query/to-block-filter.ts), then reads only their rows.
--
-- `bloom` is 128 bytes to 32 KiB: the builder folds its 2^18-bit filter in halves while
-- the fill stays under 40%, so quiet or repetitive blocks stay small. A reader looks up
-- a full-size bit position p at p / (32768 / octet_length(bloom)). Changing BLOOM_BITS or
-- the hash in core/trigram-bloom.ts makes existing rows unreadable: that takes a new
-- migration that empties this table (search then scans the rows those blocks covered).

CREATE SEQUENCE log_blocks_id_seq;

CREATE TABLE log_blocks (
  block_id bigint      PRIMARY KEY DEFAULT nextval('log_blocks_id_seq'),
  min_id   bigint      NOT NULL,
  max_id   bigint      NOT NULL,
  min_ts   timestamptz NOT NULL,   -- event times (logs.ts): partition pruning for the rows
  max_ts   timestamptz NOT NULL,
  rows     integer     NOT NULL,
  bloom    bytea       NOT NULL,
  CHECK (min_id <= max_id AND min_ts <= max_ts AND rows > 0)
);
ALTER SEQUENCE log_blocks_id_seq OWNED BY log_blocks.block_id;

-- EXTERNAL: out of line and never compressed. pglz cannot shrink a Bloom filter (near-
-- random bits: every filter of bench/bloom.ts, 2 to 32 KiB, was stored at full size), so
-- each attempt is wasted insert work (3x the insert time once, on sparse 32 KiB filters).
-- Reads detoast a filter once per block (api/query/to-block-filter.ts explains why).
ALTER TABLE log_blocks ALTER bloom SET STORAGE EXTERNAL;

-- Newest first and time ranges: a search walks blocks by max_ts descending and stops
-- once it has a page of rows; `max_ts >= from` bounds the walk. Retention deletes by it.
CREATE INDEX log_blocks_max_ts ON log_blocks (max_ts);
-- Which block holds record id N, and where covered ids end: rows of a block still open
-- (committed, not yet summed up here) must be read without the skip index.
CREATE INDEX log_blocks_max_id ON log_blocks (max_id);
