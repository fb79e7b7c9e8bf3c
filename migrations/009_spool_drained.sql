-- Durable on receipt (issue 16; docs/architecture.md, "The spool"): every collector keeps
-- a local spool of what its listeners read, numbered by sequence, and drains it to
-- PostgreSQL. Each batch records the spool sequence numbers it stored in this table, in
-- the same transaction as its rows, so after a crash at any instant the collector knows
-- exactly which spooled requests are stored: nothing is lost (the spool keeps what is not
-- recorded here) and nothing is doubled (what is recorded here is skipped).
--
-- A collector's spool has its own id (a random one kept in the spool directory), so
-- several collectors, or a spool directory made anew, never mix their numbers. Two
-- writer lanes commit out of order, so ranges may leave gaps for a while; the collector
-- folds the contiguous prefix into one row from time to time.
CREATE TABLE spool_drained (
  spool_id   text        NOT NULL,
  first_seq  bigint      NOT NULL,
  last_seq   bigint      NOT NULL CHECK (last_seq >= first_seq),
  drained_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (spool_id, first_seq)
);

-- What each collector reports of itself (spool bytes, oldest waiting record, drain rate),
-- for the health panel of API processes that do not share its memory.
CREATE TABLE collector_status (
  spool_id    text        PRIMARY KEY,
  host        text        NOT NULL,
  pid         integer     NOT NULL,
  reported_at timestamptz NOT NULL DEFAULT now(),
  status      jsonb       NOT NULL
);
