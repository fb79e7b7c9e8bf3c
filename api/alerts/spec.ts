/**
 * An alert as the API takes it (core/alerts/wire.ts, AlertInput), checked and resolved:
 * the query parsed by the search's own parser (a bad one answers LH_QUERY_SYNTAX with its
 * column, as a search does), durations read, webhooks checked; and the same alert as
 * stored (`alerts.rule` jsonb, milliseconds) and as served back (durations as text).
 */
import { Errors, LogharborError } from '../../core/errors.js';
import { formatDurationMs, parseDurationMs } from '../../core/alerts/duration.js';
import type { AlertInput, RuleView, WebhookFormat } from '../../core/alerts/wire.js';
import { parseQuery } from '../query/index.js';

export type Rule =
  | { kind: 'any' }
  | { kind: 'threshold'; moreThan: number; withinMs: number }
  | { kind: 'absence'; container: string; forMs: number };

export interface Webhook {
  url: string;
  format: WebhookFormat;
}

export interface AlertSpec {
  name: string;
  query: string;
  rule: Rule;
  minIntervalMs: number;
  webhooks: Webhook[];
  enabled: boolean;
}

/** An alert as stored: its spec, id and revision (grows with every change). */
export interface StoredAlert extends AlertSpec {
  id: string;
  revision: number;
  createdAt: number;
  /** When this revision began: an absence rule counts silence from here at most. */
  revisedAt: number;
  updatedAt: number;
}

/** Hard limits (STYLE.md: every resource has one). */
export const ALERT_LIMITS = {
  maxAlerts: 500,
  maxName: 200,
  maxWebhooks: 10,
  maxUrl: 2048,
  maxMoreThan: 1_000_000_000,
  minWithinMs: 1000,
  maxWithinMs: 24 * 3_600_000,
  minForMs: 1000,
  maxForMs: 30 * 86_400_000,
  maxIntervalMs: 24 * 3_600_000,
} as const;

/** Between two notifications of one alert, unless the alert says otherwise. */
export const DEFAULT_MIN_INTERVAL_MS = 60_000;

function bad(field: string, why: string): never {
  throw new LogharborError(Errors.BAD_REQUEST, `${field}: ${why}`);
}

function duration(field: string, v: unknown, min: number, max: number): number {
  const ms = typeof v === 'string' ? parseDurationMs(v) : null;
  if (ms === null) bad(field, `expected a duration like 30s, 5m or 2h, got ${JSON.stringify(v)}`);
  if (ms < min || ms > max)
    bad(field, `must be between ${formatDurationMs(min)} and ${formatDurationMs(max)}`);
  return ms;
}

function webhook(v: unknown, i: number): Webhook {
  const field = `webhooks[${i}]`;
  if (typeof v !== 'object' || v === null) bad(field, 'expected {"url": ..., "format": ...}');
  const { url, format = 'json' } = v as Record<string, unknown>;
  if (typeof url !== 'string' || url.length > ALERT_LIMITS.maxUrl)
    bad(`${field}.url`, `expected a URL of at most ${ALERT_LIMITS.maxUrl} characters`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    bad(`${field}.url`, `not a URL: ${JSON.stringify(url.slice(0, 100))}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    bad(`${field}.url`, 'expected http:// or https://');
  if (format !== 'json' && format !== 'slack') bad(`${field}.format`, 'expected json or slack');
  return { url, format };
}

function rule(v: unknown, query: string): Rule {
  if (typeof v !== 'object' || v === null) bad('rule', 'expected {"kind": ...}');
  const r = v as Record<string, unknown>;
  switch (r.kind) {
    case 'any':
      return { kind: 'any' };
    case 'threshold': {
      const n = r.more_than;
      if (!Number.isInteger(n) || (n as number) < 0 || (n as number) > ALERT_LIMITS.maxMoreThan)
        bad('rule.more_than', `expected a whole number from 0 to ${ALERT_LIMITS.maxMoreThan}`);
      const withinMs = duration(
        'rule.within',
        r.within,
        ALERT_LIMITS.minWithinMs,
        ALERT_LIMITS.maxWithinMs,
      );
      return { kind: 'threshold', moreThan: n as number, withinMs };
    }
    case 'absence': {
      const c = r.container;
      if (typeof c !== 'string' || c.trim() === '' || c.length > 256)
        bad('rule.container', 'expected a container name');
      if (query.trim() !== '')
        bad('query', 'an absence rule watches every line of its container: leave the query empty');
      const forMs = duration('rule.for', r.for, ALERT_LIMITS.minForMs, ALERT_LIMITS.maxForMs);
      return { kind: 'absence', container: c.replace(/^\//, ''), forMs };
    }
    default:
      bad('rule.kind', 'expected any, threshold or absence');
  }
}

/** Checks a POST or PUT body; throws LogharborError (400) naming the field. */
export function parseAlertInput(body: unknown): AlertSpec {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    bad('body', 'expected a JSON object');
  const b = body as Partial<Record<keyof AlertInput, unknown>>;
  if (typeof b.name !== 'string' || b.name.trim() === '' || b.name.length > ALERT_LIMITS.maxName)
    bad('name', `expected a name of 1 to ${ALERT_LIMITS.maxName} characters`);
  const query = b.query ?? '';
  if (typeof query !== 'string') bad('query', 'expected text');
  // The search's parser: errors carry the column of the bad token.
  parseQuery(query);
  const hooks = b.webhooks ?? [];
  if (!Array.isArray(hooks) || hooks.length > ALERT_LIMITS.maxWebhooks)
    bad('webhooks', `expected a list of at most ${ALERT_LIMITS.maxWebhooks}`);
  const enabled = b.enabled ?? true;
  if (typeof enabled !== 'boolean') bad('enabled', 'expected true or false');
  return {
    name: b.name.trim(),
    query,
    rule: rule(b.rule, query),
    minIntervalMs:
      b.min_interval === undefined
        ? DEFAULT_MIN_INTERVAL_MS
        : duration('min_interval', b.min_interval, 0, ALERT_LIMITS.maxIntervalMs),
    webhooks: hooks.map(webhook),
    enabled,
  };
}

/** As stored in `alerts.rule`. */
export function ruleJson(r: Rule): Record<string, unknown> {
  switch (r.kind) {
    case 'any':
      return { kind: 'any' };
    case 'threshold':
      return { kind: 'threshold', more_than: r.moreThan, within_ms: r.withinMs };
    case 'absence':
      return { kind: 'absence', container: r.container, for_ms: r.forMs };
  }
}

/** Back from `alerts.rule` (written by ruleJson only). */
export function ruleFromJson(v: unknown): Rule {
  const r = (v ?? {}) as Record<string, unknown>;
  if (r.kind === 'threshold')
    return { kind: 'threshold', moreThan: Number(r.more_than), withinMs: Number(r.within_ms) };
  if (r.kind === 'absence')
    return { kind: 'absence', container: String(r.container), forMs: Number(r.for_ms) };
  return { kind: 'any' };
}

/** As served and as the webhook payload names it. */
export function ruleView(r: Rule): RuleView {
  switch (r.kind) {
    case 'any':
      return { kind: 'any' };
    case 'threshold':
      return { kind: 'threshold', more_than: r.moreThan, within: formatDurationMs(r.withinMs) };
    case 'absence':
      return { kind: 'absence', container: r.container, for: formatDurationMs(r.forMs) };
  }
}

/** Webhooks as stored in `alerts.webhooks` (written from parseAlertInput only). */
export function webhooksFromJson(v: unknown): Webhook[] {
  if (!Array.isArray(v)) return [];
  return v.map((w: { url?: unknown; format?: unknown }) => ({
    url: String(w.url),
    format: w.format === 'slack' ? 'slack' : 'json',
  }));
}
