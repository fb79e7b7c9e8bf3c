/**
 * Ingestion health (issue 5, point 6): each listener's rate, connections, errors and
 * drops from GET /api/sources, refreshed while the panel is open; and the store behind
 * them (issue 16): each collector's spool, what waits in it, and PostgreSQL's state.
 */
import { formatBytes } from '../../core/collector-status.js';
import { h } from './dom.js';
import { formatInt, formatRate } from './format.js';
import { ageText, formatInstant, zoneOffset, type Zone } from './time.js';
import type { CollectorHealth, ListenerHealth } from './wire.js';

const COLUMNS = [
  'Listener',
  'Protocol',
  'Address',
  'Conns',
  'Rate',
  'Received',
  'Errors',
  'Dropped',
  'Last error',
];

export function healthTable(list: readonly ListenerHealth[]): HTMLElement {
  if (list.length === 0) return h('p', { class: 'muted', text: 'No listeners are running.' });
  const head = h('tr', {}, ...COLUMNS.map((c) => h('th', { text: c })));
  const rows = list.map((l) =>
    h(
      'tr',
      { class: l.errors > 0 || l.dropped > 0 ? 'warn' : '' },
      h('td', { text: l.listener }),
      h('td', { text: [l.protocol, l.transport].filter(Boolean).join('/') }),
      h('td', { class: 'mono', text: l.address }),
      h('td', { class: 'num', text: formatInt(l.connections) }),
      h('td', { class: 'num', text: formatRate(l.ratePerS) }),
      h('td', { class: 'num', text: formatInt(l.received) }),
      h('td', { class: `num${l.errors > 0 ? ' bad' : ''}`, text: formatInt(l.errors) }),
      h('td', { class: `num${l.dropped > 0 ? ' bad' : ''}`, text: formatInt(l.dropped) }),
      h('td', { class: 'lasterr', text: l.lastError ?? '', title: l.lastError ?? '' }),
    ),
  );
  return h('table', { class: 'health' }, h('thead', {}, head), h('tbody', {}, ...rows));
}

const STORE_COLUMNS = [
  'Collector',
  'Spool',
  'Waiting',
  'Oldest',
  'Drain',
  'PostgreSQL',
  'Sync',
  'Ack after',
];

/** PostgreSQL as a collector sees it: ok, or unreachable since when and why. */
export function postgresState(c: CollectorHealth, zone: Zone): string {
  if (c.postgresDownSince === null) return 'ok';
  const ms = Date.parse(c.postgresDownSince);
  const since = `unreachable since ${formatInstant(ms, zoneOffset(zone, ms))}`;
  return c.postgresError ? `${since}: ${c.postgresError}` : since;
}

export function spoolText(c: CollectorHealth): string {
  const of = `${formatBytes(c.spoolBytes)} of ${formatBytes(c.spoolMaxBytes)}`;
  return c.full ? `${of}, full (${c.fullReason ?? 'bytes'})` : of;
}

/** The "Store" section: one row per collector (several with a scale-out). */
export function storeTable(list: readonly CollectorHealth[], zone: Zone): HTMLElement {
  if (list.length === 0)
    return h('p', { class: 'muted', text: 'No collector has reported in the last minute.' });
  const head = h('tr', {}, ...STORE_COLUMNS.map((c) => h('th', { text: c })));
  const rows = list.map((c) => {
    const pg = postgresState(c, zone);
    const down = c.postgresDownSince !== null;
    return h(
      'tr',
      { class: c.lag !== null ? 'warn' : '', attrs: { 'data-spool': c.spoolId } },
      h('td', {
        text: c.pid === null ? c.host : `${c.host} · ${c.pid}`,
        title: `spool ${c.spoolId}`,
      }),
      h('td', { class: `num${c.full ? ' bad' : ''}`, text: spoolText(c) }),
      h('td', { class: 'num', text: formatInt(c.waiting) }),
      // The age of the oldest waiting request: an instant that many seconds before 0.
      h('td', { class: 'num', text: c.waiting > 0 ? ageText(-c.oldestWaitingS * 1000, 0) : '' }),
      h('td', { class: 'num', text: formatRate(c.drainPerS) }),
      h('td', { class: `lasterr${down ? ' bad' : ''}`, text: pg, title: pg }),
      h('td', { text: c.sync }),
      h('td', { text: c.ackAfter }),
    );
  });
  return h('table', { class: 'health store' }, h('thead', {}, head), h('tbody', {}, ...rows));
}
