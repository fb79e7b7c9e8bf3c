/**
 * Alerts as the API serves and takes them (README, "Alerts"): the shapes, one-line
 * descriptions, and runtime guards for what comes back over the wire, shared by the CLI
 * and the page (never cast what came off the wire). The API builds these shapes in
 * api/alerts/; a test holds the two to each other.
 */

export type WebhookFormat = 'json' | 'slack';
export type NotificationKind = 'firing' | 'resolved' | 'test';

/** A rule as the API shows and takes it; durations as text (`5m`). */
export type RuleView =
  | { kind: 'any' }
  | { kind: 'threshold'; more_than: number; within: string }
  | { kind: 'absence'; container: string; for: string };

export interface WebhookView {
  url: string;
  format: WebhookFormat;
  /** Deliveries waiting (being retried, or queued behind one that is). */
  pending: number;
  /** Deliveries given up. */
  failed: number;
  /** The latest failed attempt, while no later delivery succeeded. */
  last_error: string | null;
  last_error_at: string | null;
  last_delivered_at: string | null;
}

export interface AlertView {
  id: string;
  name: string;
  query: string;
  rule: RuleView;
  min_interval: string;
  webhooks: WebhookView[];
  enabled: boolean;
  /** `firing` during a threshold or absence episode; `off` when disabled. */
  state: 'ok' | 'firing' | 'off';
  since: string | null;
  last_notified_at: string | null;
  created_at: string;
  updated_at: string;
}

/** What POST and PUT /api/alerts take. */
export interface AlertInput {
  name: string;
  query?: string;
  rule:
    | { kind: 'any' }
    | { kind: 'threshold'; more_than: number; within: string }
    | { kind: 'absence'; container: string; for: string };
  min_interval?: string;
  webhooks?: { url: string; format?: WebhookFormat }[];
  enabled?: boolean;
}

export interface SampleView {
  id: string;
  ts: string;
  received_at: string;
  container_name: string | null;
  message: string;
}

export interface DeliveryView {
  url: string;
  format: WebhookFormat;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  next_attempt_at: string | null;
  delivered_at: string | null;
}

export interface NotificationView {
  id: string;
  alert_id: string;
  alert_name: string;
  kind: NotificationKind;
  created_at: string;
  text: string;
  count: number | null;
  samples: SampleView[];
  deliveries: DeliveryView[];
}

/** "any match", "more than 100 matches within 5m", "no line from web for 10m". */
export function describeRule(r: RuleView): string {
  switch (r.kind) {
    case 'any':
      return 'any match';
    case 'threshold':
      return `more than ${r.more_than} match${r.more_than === 1 ? '' : 'es'} within ${r.within}`;
    case 'absence':
      return `no line from ${r.container} for ${r.for}`;
  }
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): v is string => typeof v === 'string';
const strOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';
const int = (v: unknown): v is number => Number.isInteger(v);
const intOrNull = (v: unknown): v is number | null => v === null || Number.isInteger(v);
const format = (v: unknown): v is WebhookFormat => v === 'json' || v === 'slack';

function isRule(v: unknown): v is RuleView {
  if (!isObj(v)) return false;
  if (v.kind === 'any') return true;
  if (v.kind === 'threshold') return int(v.more_than) && str(v.within);
  if (v.kind === 'absence') return str(v.container) && str(v.for);
  return false;
}

function isWebhook(v: unknown): v is WebhookView {
  return (
    isObj(v) &&
    str(v.url) &&
    format(v.format) &&
    int(v.pending) &&
    int(v.failed) &&
    strOrNull(v.last_error) &&
    strOrNull(v.last_error_at) &&
    strOrNull(v.last_delivered_at)
  );
}

export function isAlertView(v: unknown): v is AlertView {
  return (
    isObj(v) &&
    str(v.id) &&
    str(v.name) &&
    str(v.query) &&
    isRule(v.rule) &&
    str(v.min_interval) &&
    Array.isArray(v.webhooks) &&
    v.webhooks.every(isWebhook) &&
    typeof v.enabled === 'boolean' &&
    (v.state === 'ok' || v.state === 'firing' || v.state === 'off') &&
    strOrNull(v.since) &&
    strOrNull(v.last_notified_at) &&
    str(v.created_at) &&
    str(v.updated_at)
  );
}

function isSample(v: unknown): v is SampleView {
  return (
    isObj(v) &&
    str(v.id) &&
    str(v.ts) &&
    str(v.received_at) &&
    strOrNull(v.container_name) &&
    str(v.message)
  );
}

function isDelivery(v: unknown): v is DeliveryView {
  return (
    isObj(v) &&
    str(v.url) &&
    format(v.format) &&
    (v.state === 'pending' || v.state === 'delivered' || v.state === 'failed') &&
    int(v.attempts) &&
    intOrNull(v.last_status) &&
    strOrNull(v.last_error) &&
    strOrNull(v.next_attempt_at) &&
    strOrNull(v.delivered_at)
  );
}

export function isNotificationView(v: unknown): v is NotificationView {
  return (
    isObj(v) &&
    str(v.id) &&
    str(v.alert_id) &&
    str(v.alert_name) &&
    (v.kind === 'firing' || v.kind === 'resolved' || v.kind === 'test') &&
    str(v.created_at) &&
    str(v.text) &&
    intOrNull(v.count) &&
    Array.isArray(v.samples) &&
    v.samples.every(isSample) &&
    Array.isArray(v.deliveries) &&
    v.deliveries.every(isDelivery)
  );
}

/** `{"alert": {...}}` (POST, PUT, GET one), or null. */
export function parseAlertAnswer(v: unknown): AlertView | null {
  return isObj(v) && isAlertView(v.alert) ? v.alert : null;
}

/** `{"alerts": [...]}`, or null. */
export function parseAlertList(v: unknown): AlertView[] | null {
  return isObj(v) && Array.isArray(v.alerts) && v.alerts.every(isAlertView) ? v.alerts : null;
}

/** `{"notifications": [...]}`, newest first, or null. */
export function parseNotifications(v: unknown): NotificationView[] | null {
  return isObj(v) && Array.isArray(v.notifications) && v.notifications.every(isNotificationView)
    ? v.notifications
    : null;
}

/** `{"notification_id": "..."}` (a test fire), or null. */
export function parseTestFire(v: unknown): string | null {
  return isObj(v) && str(v.notification_id) ? v.notification_id : null;
}
