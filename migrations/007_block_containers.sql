-- Time order and container filters from the blocks, not from per-row indexes (issue 8).
--
-- Loading the same 600,000 rows with psql \copy, PostgreSQL CPU per row: 4.7 µs into a
-- plain table, 5.2 with only BRIN(id), 7.4 with only btree(ts, id), 8.5 with only
-- btree(container_name, ts), 10.9 with all three; two loads at once (the writer's two
-- lanes) 13.5-14, as both btrees' right edges are shared. End to end, PackedForward went
-- from 0.46 to 0.56 of the unindexed \copy ceiling without the two btrees.
--
-- What they served is now served by log_blocks, as words already were: every committed
-- row is covered by a committed block (collector/writer/blocks.ts) that knows its id and
-- time ranges, so "newest first" walks blocks by max_ts and reads each block's rows by id
-- within its time range (partition pruning) -- api/block-search.ts. Containers:
-- each block lists the container names and ids of its rows, so a container filter reads
-- only the blocks that hold that container. NULL: not known (blocks written before this
-- migration, or a block with more distinct containers than the writer lists); a filter
-- then reads the block.

ALTER TABLE log_blocks
  ADD COLUMN containers    text[] COLLATE "C",
  ADD COLUMN container_ids text[] COLLATE "C";

DROP INDEX logs_ts_id;
DROP INDEX logs_container_ts;

-- Every search now reads rows by id range, so that must be exact and cheap at any size.
-- The BRIN on id was neither: COPY fills the free space left at the end of older pages,
-- leaving a row with a new id among old ones (3% of the pages of a bench partition), so
-- with min/max per 128 pages a block of 4096 rows (about 90 pages) matched 2,700 pages; a
-- BRIN scan reads the whole index of the partition for every range asked (0.4-1 µs per
-- 128 or 16 pages, so tens of ms per look-up on a partition of 100M rows), and ranges not
-- yet summarized (everything since the last VACUUM) match every search. A btree on id
-- finds exactly a block's rows, in O(log n). It costs PostgreSQL about 3 µs per row
-- (bench --only ingest: 6 ms per 1000 events with only the BRIN, 9 with this) against 6.5 µs
-- for the two btrees dropped above.
DROP INDEX logs_id_brin;
CREATE INDEX logs_id ON logs (id);
