-- Alerts (issue 19): a saved search with a rule, evaluated on the live stream by one API
-- process at a time, delivered to webhooks by any of them (api/alerts/README.md).
--
--   alerts ──► evaluator (the holder of a session advisory lock) ──one statement──►
--     alert_notifications + alert_deliveries + alert_state + alert_evaluator.cursor
--   alert_deliveries ◄── deliverers (every API process: FOR UPDATE SKIP LOCKED, a lease)

-- What the user defined. `rule`: {"kind": "any"} | {"kind": "threshold", "more_than": N,
-- "within_ms": W} | {"kind": "absence", "container": C, "for_ms": F}. `webhooks`:
-- [{"url": ..., "format": "json" | "slack"}]. `revision` grows with every change of what
-- is evaluated (query, rule, min_interval, enabled; not the name or the webhooks): the
-- evaluator then starts the alert's rule afresh, and `revised_at` is when it did.
CREATE TABLE alerts (
  id              bigserial   PRIMARY KEY,
  name            text        NOT NULL,
  query           text        NOT NULL DEFAULT '',
  rule            jsonb       NOT NULL,
  min_interval_ms integer     NOT NULL CHECK (min_interval_ms >= 0),
  webhooks        jsonb       NOT NULL DEFAULT '[]',
  enabled         boolean     NOT NULL DEFAULT true,
  revision        integer     NOT NULL DEFAULT 1,
  revised_at      timestamptz NOT NULL DEFAULT now(),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- The evaluator's checkpoint: each alert's rule state (episode, whether it was notified,
-- counts), written in the same statement as the notifications it decided, so a new
-- evaluator (another process, or this one restarted) carries an episode on: it neither
-- fires it again nor forgets to send its "resolved".
CREATE TABLE alert_state (
  alert_id   bigint      PRIMARY KEY REFERENCES alerts ON DELETE CASCADE,
  revision   integer     NOT NULL,
  state      jsonb       NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row: every record with id <= cursor has been evaluated (null: the evaluator was not
-- following the stream, as when no alert is enabled). A new evaluator replays from it.
CREATE TABLE alert_evaluator (
  one        boolean     PRIMARY KEY DEFAULT true CHECK (one),
  cursor     bigint,
  leader     text,
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO alert_evaluator DEFAULT VALUES;

-- A notification decided, once: `key` names what it is about (a group's first record, an
-- episode's firing or resolved), so the same one can never be inserted twice.
CREATE TABLE alert_notifications (
  id         bigserial   PRIMARY KEY,
  alert_id   bigint      NOT NULL REFERENCES alerts ON DELETE CASCADE,
  key        text        NOT NULL,
  kind       text        NOT NULL CHECK (kind IN ('firing', 'resolved', 'test')),
  payload    jsonb       NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (alert_id, key)
);
CREATE INDEX alert_notifications_created ON alert_notifications (created_at);

-- One row per notification and webhook: the delivery queue. A deliverer claims due rows
-- with a lease (a crashed deliverer's rows come back when it runs out); each attempt's
-- outcome stays visible (last_status, last_error) until the row is delivered or given up.
CREATE TABLE alert_deliveries (
  notification_id bigint      NOT NULL REFERENCES alert_notifications ON DELETE CASCADE,
  hook            smallint    NOT NULL,
  alert_id        bigint      NOT NULL,
  url             text        NOT NULL,
  format          text        NOT NULL CHECK (format IN ('json', 'slack')),
  state           text        NOT NULL DEFAULT 'pending'
                              CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts        integer     NOT NULL DEFAULT 0,
  next_at         timestamptz NOT NULL DEFAULT now(),
  leased_until    timestamptz,
  last_status     integer,
  last_error      text,
  last_attempt_at timestamptz,
  delivered_at    timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (notification_id, hook)
);
CREATE INDEX alert_deliveries_due ON alert_deliveries (next_at) WHERE state = 'pending';
-- A "resolved" waits for the older notifications of its alert to the same URL.
CREATE INDEX alert_deliveries_queue ON alert_deliveries (alert_id, url, notification_id)
  WHERE state = 'pending';
CREATE INDEX alert_deliveries_alert ON alert_deliveries (alert_id, hook, created_at);
