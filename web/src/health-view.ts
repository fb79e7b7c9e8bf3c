/**
 * Ingestion health (issue 5, point 6): each listener's rate, connections, errors and
 * drops from GET /api/sources, refreshed while the panel is open.
 */
import { h } from './dom.js';
import { formatInt, formatRate } from './format.js';
import type { ListenerHealth } from './wire.js';

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
