-- Live tail across processes (docs/architecture.md, "Scale-out"): several collectors write, several
-- API processes tail. A tail client resumes with `after=<last id it got>`, so the ids it
-- is sent must only ever grow, and no smaller id may commit after a larger one was sent.
-- Ids are taken before COMMIT, and with several writers a larger id can commit first.
--
-- The rule that makes the cursor gap-free: a batch takes its transaction id (xid) and its
-- ids together, under one short lock, as the first thing it does. So for any two batches,
-- the one with the smaller xid has the smaller ids. A reader that takes a snapshot knows
-- every transaction with an xid below the snapshot's xmin has ended (PostgreSQL, "System
-- Information Functions": pg_snapshot_xmin); it sends the batches committed below xmin,
-- in xid order, and keeps the rest for later. Nothing below can still commit.
--
-- Each batch leaves one row here in its own transaction (what the reader sends) and a
-- NOTIFY (when to look: notifications are delivered after commit, in commit order).

-- Ids are now taken per batch (they were taken 65536 at a time per writer): start above
-- every id the old scheme could have handed out.
CREATE SEQUENCE logs_id_seq;
SELECT setval('logs_id_seq',
  greatest((SELECT last_value + 1 FROM logs_id_block_seq) * 65536,
           (SELECT coalesce(max(id), 0) + 1 FROM logs)),
  false);
DROP SEQUENCE logs_id_block_seq;

-- Gives the calling transaction its xid and `n` consecutive ids (the first is returned),
-- both under one advisory lock held only for these two steps, so xid order is id order.
-- It must come before any write: a transaction that already has an xid could have got it
-- before another batch's, and then take ids after that batch's.
CREATE FUNCTION logharbor_take_ids(n bigint, OUT xid xid8, OUT first_id bigint)
LANGUAGE plpgsql AS $$
BEGIN
  IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
    RAISE EXCEPTION 'logharbor_take_ids must be the first write of its transaction';
  END IF;
  -- A session lock (not a transaction lock, which would be held until COMMIT and
  -- serialize the writers' COPYs); released on every path out.
  PERFORM pg_advisory_lock(7165040341);
  BEGIN
    xid := pg_current_xact_id();
    first_id := nextval('logs_id_seq');
    IF n > 1 THEN
      PERFORM setval('logs_id_seq', first_id + n - 1);
    END IF;
  EXCEPTION WHEN OTHERS OR query_canceled THEN
    PERFORM pg_advisory_unlock(7165040341);
    RAISE;
  END;
  PERFORM pg_advisory_unlock(7165040341);
END $$;

CREATE TABLE tail_commits (
  xid          xid8        PRIMARY KEY,
  first_id     bigint      NOT NULL,
  last_id      bigint      NOT NULL,
  min_ts       timestamptz NOT NULL,   -- event times: partition pruning when reading rows
  max_ts       timestamptz NOT NULL,
  rows         integer     NOT NULL,
  committed_at timestamptz NOT NULL DEFAULT now(),
  CHECK (first_id <= last_id AND min_ts <= max_ts AND rows > 0)
);
-- Rows are kept a while for readers that were briefly away, then deleted by the writers.
CREATE INDEX tail_commits_committed_at ON tail_commits (committed_at);
