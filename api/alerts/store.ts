/**
 * Alerts in PostgreSQL (migration 011): the definitions, their state, the notifications
 * and the delivery queue, and the one statement that writes what the evaluator decided.
 * Times leave the database as epoch milliseconds and are printed here (RFC 3339, UTC).
 */
import type pg from 'pg';
import type { AlertView, DeliveryView, NotificationView } from '../../core/alerts/wire.js';
import { formatDurationMs } from '../../core/alerts/duration.js';
import type { AlertPayload } from './payload.js';
import type { Notice, SavedState } from './rule-set.js';
import { snapshotStatus } from './rules.js';
import {
  ALERT_LIMITS,
  ruleFromJson,
  ruleJson,
  ruleView,
  webhooksFromJson,
  type AlertSpec,
  type StoredAlert,
} from './spec.js';

/** A pool, a pool client or a plain client: anything that runs a query. */
export type Db = Pick<pg.ClientBase, 'query'>;

/** Alerts changed (created, updated, deleted): the evaluator reloads them. */
export const ALERTS_CHANNEL = 'logharbor_alerts';

const ms = (col: string) => `(extract(epoch FROM ${col}) * 1000)::float8`;
const iso = (v: unknown) =>
  v === null || v === undefined ? null : new Date(Number(v)).toISOString();

const ALERT_COLUMNS = `a.id::text AS id, a.name, a.query, a.rule, a.min_interval_ms, a.webhooks,
  a.enabled, a.revision, ${ms('a.created_at')} AS created_ms, ${ms('a.revised_at')} AS revised_ms,
  ${ms('a.updated_at')} AS updated_ms`;

type Row = Record<string, unknown>;

function toAlert(r: Row): StoredAlert {
  return {
    id: String(r.id),
    name: String(r.name),
    query: String(r.query),
    rule: ruleFromJson(r.rule),
    minIntervalMs: Number(r.min_interval_ms),
    webhooks: webhooksFromJson(r.webhooks),
    enabled: r.enabled === true,
    revision: Number(r.revision),
    createdAt: Number(r.created_ms),
    revisedAt: Number(r.revised_ms),
    updatedAt: Number(r.updated_ms),
  };
}

export async function loadAlerts(db: Db): Promise<StoredAlert[]> {
  const r = await db.query(`SELECT ${ALERT_COLUMNS} FROM alerts a ORDER BY a.id`);
  return (r.rows as Row[]).map(toAlert);
}

export async function loadStates(db: Db): Promise<Map<string, SavedState>> {
  const r = await db.query('SELECT alert_id::text AS id, revision, state FROM alert_state');
  return new Map(
    (r.rows as Row[]).map((x) => [String(x.id), { revision: Number(x.revision), state: x.state }]),
  );
}

export async function notifyChanged(db: Db, id: string): Promise<void> {
  await db.query('SELECT pg_notify($1, $2)', [ALERTS_CHANNEL, id]);
}

/** The new alert's id, or null when there are already ALERT_LIMITS.maxAlerts. */
export async function createAlert(db: Db, s: AlertSpec): Promise<string | null> {
  const r = await db.query<{ id: string }>(
    `INSERT INTO alerts (name, query, rule, min_interval_ms, webhooks, enabled)
     SELECT $1, $2, $3, $4, $5, $6 WHERE (SELECT count(*) FROM alerts) < $7
     RETURNING id::text AS id`,
    [
      s.name,
      s.query,
      ruleJson(s.rule),
      s.minIntervalMs,
      JSON.stringify(s.webhooks),
      s.enabled,
      ALERT_LIMITS.maxAlerts,
    ],
  );
  return r.rows[0]?.id ?? null;
}

/** Whether the alert existed. Its revision grows when what is evaluated changed. */
export async function updateAlert(db: Db, id: string, s: AlertSpec): Promise<boolean> {
  const r = await db.query(
    `UPDATE alerts a SET name = $2, query = $3, rule = $4, min_interval_ms = $5, webhooks = $6,
            enabled = $7, updated_at = now(),
            revision = a.revision + c.changed::int,
            revised_at = CASE WHEN c.changed THEN now() ELSE a.revised_at END
       FROM (SELECT (query, rule, min_interval_ms, enabled) IS DISTINCT FROM
                    ($3::text, $4::jsonb, $5::int, $7::boolean) AS changed
               FROM alerts WHERE id = $1) c
      WHERE a.id = $1`,
    [id, s.name, s.query, ruleJson(s.rule), s.minIntervalMs, JSON.stringify(s.webhooks), s.enabled],
  );
  return (r.rowCount ?? 0) > 0;
}

export async function deleteAlert(db: Db, id: string): Promise<boolean> {
  const r = await db.query('DELETE FROM alerts WHERE id = $1', [id]);
  return (r.rowCount ?? 0) > 0;
}

const VIEW_SQL = `
SELECT ${ALERT_COLUMNS}, s.revision AS state_revision, s.state,
       (SELECT ${ms('max(n.created_at)')} FROM alert_notifications n
         WHERE n.alert_id = a.id AND n.kind <> 'test') AS notified_ms,
       COALESCE((SELECT json_agg(json_build_object(
                  'url', d.url, 'pending', d.pending, 'failed', d.failed, 'last_error', d.last_error,
                  'error_ms', d.error_ms, 'delivered_ms', d.delivered_ms))
          FROM (SELECT url, count(*) FILTER (WHERE state = 'pending') AS pending,
                       count(*) FILTER (WHERE state = 'failed') AS failed,
                       (array_agg(last_error ORDER BY last_attempt_at DESC)
                          FILTER (WHERE last_error IS NOT NULL))[1] AS last_error,
                       ${ms('max(last_attempt_at) FILTER (WHERE last_error IS NOT NULL)')} AS error_ms,
                       ${ms('max(delivered_at)')} AS delivered_ms
                  FROM alert_deliveries WHERE alert_id = a.id GROUP BY url) d), '[]'::json) AS hooks
  FROM alerts a LEFT JOIN alert_state s ON s.alert_id = a.id`;

interface HookStats {
  url: string;
  pending: number;
  failed: number;
  last_error: string | null;
  error_ms: number | null;
  delivered_ms: number | null;
}

function toView(r: Row): AlertView {
  const a = toAlert(r);
  const stats = new Map((r.hooks as HookStats[]).map((h) => [h.url, h]));
  const status =
    r.state_revision !== null && Number(r.state_revision) === a.revision
      ? snapshotStatus(r.state)
      : { firing: false, since: null };
  return {
    id: a.id,
    name: a.name,
    query: a.query,
    rule: ruleView(a.rule),
    min_interval: formatDurationMs(a.minIntervalMs),
    webhooks: a.webhooks.map((w) => {
      const h = stats.get(w.url);
      // An error is news until a later delivery to the same URL succeeded.
      const current = h?.error_ms != null && (h.delivered_ms ?? 0) < h.error_ms;
      return {
        url: w.url,
        format: w.format,
        pending: Number(h?.pending ?? 0),
        failed: Number(h?.failed ?? 0),
        last_error: current ? h!.last_error : null,
        last_error_at: current ? iso(h!.error_ms) : null,
        last_delivered_at: iso(h?.delivered_ms),
      };
    }),
    enabled: a.enabled,
    state: !a.enabled ? 'off' : status.firing ? 'firing' : 'ok',
    since: a.enabled ? iso(status.since) : null,
    last_notified_at: iso(r.notified_ms),
    created_at: iso(a.createdAt)!,
    updated_at: iso(a.updatedAt)!,
  };
}

export async function alertViews(db: Db): Promise<AlertView[]> {
  const r = await db.query(`${VIEW_SQL} ORDER BY a.id`);
  return (r.rows as Row[]).map(toView);
}

export async function alertView(db: Db, id: string): Promise<AlertView | null> {
  const r = await db.query(`${VIEW_SQL} WHERE a.id = $1`, [id]);
  const row = r.rows[0] as Row | undefined;
  return row ? toView(row) : null;
}

export async function loadAlert(db: Db, id: string): Promise<StoredAlert | null> {
  const r = await db.query(`SELECT ${ALERT_COLUMNS} FROM alerts a WHERE a.id = $1`, [id]);
  const row = r.rows[0] as Row | undefined;
  return row ? toAlert(row) : null;
}

const NOTIFICATIONS_SQL = `
SELECT n.id::text AS id, n.alert_id::text AS alert_id, a.name AS alert_name, n.kind,
       ${ms('n.created_at')} AS created_ms, n.payload,
       COALESCE((SELECT json_agg(json_build_object(
                  'url', d.url, 'format', d.format, 'state', d.state, 'attempts', d.attempts,
                  'last_status', d.last_status, 'last_error', d.last_error,
                  'next_ms', CASE WHEN d.state = 'pending' THEN ${ms('d.next_at')} END,
                  'delivered_ms', ${ms('d.delivered_at')}) ORDER BY d.hook)
          FROM alert_deliveries d WHERE d.notification_id = n.id), '[]'::json) AS deliveries
  FROM alert_notifications n JOIN alerts a ON a.id = n.alert_id
 WHERE ($1::bigint IS NULL OR n.id > $1) AND ($2::bigint IS NULL OR n.alert_id = $2)
 ORDER BY n.id DESC LIMIT $3`;

interface DeliveryRow extends Omit<DeliveryView, 'next_attempt_at' | 'delivered_at'> {
  next_ms: number | null;
  delivered_ms: number | null;
}

/** The newest notifications (with id > `after`, of one alert if given), newest first. */
export async function notifications(
  db: Db,
  o: { after: string | null; alertId: string | null; limit: number },
): Promise<NotificationView[]> {
  const r = await db.query(NOTIFICATIONS_SQL, [o.after, o.alertId, o.limit]);
  return (r.rows as Row[]).map((x) => {
    const p = x.payload as AlertPayload;
    return {
      id: String(x.id),
      alert_id: String(x.alert_id),
      alert_name: String(x.alert_name),
      kind: p.kind,
      created_at: iso(x.created_ms)!,
      text: p.text,
      count: p.count,
      samples: p.samples,
      deliveries: (x.deliveries as DeliveryRow[]).map((d) => ({
        url: d.url,
        format: d.format,
        state: d.state,
        attempts: d.attempts,
        last_status: d.last_status,
        last_error: d.last_error,
        next_attempt_at: iso(d.next_ms),
        delivered_at: iso(d.delivered_ms),
      })),
    };
  });
}

/** One delivery per webhook the alert has now, for the notifications in CTE `n`. */
const DELIVERIES_CTE = `d AS (
  INSERT INTO alert_deliveries (notification_id, hook, alert_id, url, format)
  SELECT n.id, (h.ord - 1)::smallint, n.alert_id, h.value->>'url', h.value->>'format'
    FROM n JOIN alerts a ON a.id = n.alert_id
   CROSS JOIN LATERAL jsonb_array_elements(a.webhooks) WITH ORDINALITY AS h(value, ord)
  RETURNING 1)`;

/**
 * What the evaluator decided, in one statement (so all of it or none): the notifications
 * (a key already there is skipped: `UNIQUE (alert_id, key)`), a delivery for each webhook,
 * the rules' states, and the cursor. Alerts deleted meanwhile are left out by the joins.
 *   $1 notices [{alert_id, key, kind, payload}]   $2 states [{alert_id, revision, state}]
 *   $3 cursor   $4 the evaluator's name
 */
export const CHECKPOINT_SQL = `
WITH input AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(alert_id bigint, key text, kind text, payload jsonb)
), n AS (
  INSERT INTO alert_notifications (alert_id, key, kind, payload)
  SELECT i.alert_id, i.key, i.kind, i.payload FROM input i JOIN alerts a ON a.id = i.alert_id
  ON CONFLICT (alert_id, key) DO NOTHING
  RETURNING id, alert_id, kind
), ${DELIVERIES_CTE}, s AS (
  INSERT INTO alert_state (alert_id, revision, state)
  SELECT x.alert_id, x.revision, x.state
    FROM jsonb_to_recordset($2::jsonb) AS x(alert_id bigint, revision int, state jsonb)
    JOIN alerts a ON a.id = x.alert_id
  ON CONFLICT (alert_id) DO UPDATE
     SET revision = excluded.revision, state = excluded.state, updated_at = now()
  RETURNING 1
), c AS (
  UPDATE alert_evaluator SET cursor = $3::bigint, leader = $4, updated_at = now() RETURNING 1
)
SELECT n.id::text AS id, n.kind, (SELECT count(*) FROM d)::int AS deliveries FROM n`;

export function checkpointParams(
  notices: Notice[],
  states: { alert_id: string; revision: number; state: unknown }[],
  cursor: number | null,
  leader: string,
): unknown[] {
  return [
    JSON.stringify(
      notices.map((n) => ({ alert_id: n.alertId, key: n.key, kind: n.kind, payload: n.payload })),
    ),
    JSON.stringify(states),
    cursor,
    leader,
  ];
}

/** A test notification for one alert, queued for its webhooks; its id, or null (no alert). */
export async function insertTest(
  db: Db,
  id: string,
  key: string,
  payload: AlertPayload,
): Promise<string | null> {
  const r = await db.query<{ id: string }>(
    `WITH n AS (
       INSERT INTO alert_notifications (alert_id, key, kind, payload)
       SELECT id, $2, 'test', $3 FROM alerts WHERE id = $1
       RETURNING id, alert_id
     ), ${DELIVERIES_CTE}
     SELECT n.id::text AS id, (SELECT count(*) FROM d) AS deliveries FROM n`,
    [id, key, JSON.stringify(payload)],
  );
  return r.rows[0]?.id ?? null;
}

/** Where the previous evaluator got to, and who it was. */
export async function loadCursor(
  db: Db,
): Promise<{ cursor: number | null; leader: string | null }> {
  const r = await db.query('SELECT cursor::text AS cursor, leader FROM alert_evaluator');
  const row = r.rows[0] as { cursor: string | null; leader: string | null } | undefined;
  return {
    cursor: row?.cursor == null ? null : Number(row.cursor),
    leader: row?.leader ?? null,
  };
}

/** Notifications older than `keepMs` go, with their deliveries (the evaluator, hourly). */
export async function pruneNotifications(db: Db, keepMs: number): Promise<number> {
  const r = await db.query(
    `DELETE FROM alert_notifications WHERE created_at < now() - $1::float8 * interval '1 millisecond'`,
    [keepMs],
  );
  return r.rowCount ?? 0;
}
