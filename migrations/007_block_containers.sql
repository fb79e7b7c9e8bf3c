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
-- (BRIN) within its time range (partition pruning) -- api/block-search.ts. Containers:
-- each block lists the container names and ids of its rows, so a container filter reads
-- only the blocks that hold that container. NULL: not known (blocks written before this
-- migration, or a block with more distinct containers than the writer lists); a filter
-- then reads the block.

ALTER TABLE log_blocks
  ADD COLUMN containers    text[] COLLATE "C",
  ADD COLUMN container_ids text[] COLLATE "C";

DROP INDEX logs_ts_id;
DROP INDEX logs_container_ts;
