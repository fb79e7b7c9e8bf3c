-- The id filter of a pack (core/id-bloom.ts): a Bloom filter of the 8-digit windows of the
-- messages' hex runs (trace ids, span ids, hashes), which the trigram filter cannot prune
-- on. NULL: not built (level-0 packs, and packs merged before this migration): such a
-- pack is read for every id, as before.
ALTER TABLE log_packs ADD COLUMN id_bloom bytea;
ALTER TABLE log_packs ALTER COLUMN id_bloom SET STORAGE EXTERNAL;
