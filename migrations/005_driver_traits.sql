-- The driver doctor (issue 7, item 6): what each sender's log driver puts on the wire,
-- counted by every collector (collector/doctor/) and read by GET /api/doctor, which turns
-- it into advice. Collectors add to these rows every few seconds, outside the writer's
-- batch transaction; counts add up and times keep the latest, so several collectors on
-- one database merge. Rows not seen for the retention period are pruned.

-- One row per sender: a container (by name, else id), a forward tag, or a syslog app@host.
CREATE TABLE driver_senders (
  source         text COLLATE "C" NOT NULL,
  sender         text COLLATE "C" NOT NULL,
  container_id   text,
  container_name text,
  tag            text,
  host           text,
  -- The listener that last received from it and that listener's bound address, so the
  -- advice can show a complete `logging:` block pointing at the same place.
  listener       text,
  address        text,
  events         bigint      NOT NULL DEFAULT 0,
  first_seen     timestamptz NOT NULL,
  last_seen      timestamptz NOT NULL,
  PRIMARY KEY (source, sender)
);
CREATE INDEX driver_senders_last_seen ON driver_senders (last_seen);

-- How often each value of each trait (collector/doctor/traits.ts) was seen, and when last:
-- the value seen last is the sender's current configuration (a fixed container that keeps
-- its name replaces its old values).
CREATE TABLE driver_traits (
  source  text COLLATE "C" NOT NULL,
  sender  text COLLATE "C" NOT NULL,
  trait   text COLLATE "C" NOT NULL,
  value   text COLLATE "C" NOT NULL,
  count   bigint      NOT NULL,
  last_at timestamptz NOT NULL,
  PRIMARY KEY (source, sender, trait, value)
);
CREATE INDEX driver_traits_last_at ON driver_traits (last_at);
