/**
 * One line of the list, and its details when expanded (issue 5, point 4): time in the
 * chosen zone, severity colour, container, stderr mark, ANSI colours, and on expand the
 * whole message, a JSON tree, the attrs and every field. Actions are named in
 * `data-action` and handled by one listener on the list, not one per row.
 *
 * Issue 18: the query's matches are marked (highlight.ts), and every value a query can
 * filter on carries its term in `data-term` (query-edit.ts): a click adds it to the
 * query, a shift-click excludes it.
 */
import { parseAnsi } from './ansi.js';
import { appendAnsi, plainText } from './ansi-dom.js';
import { containerTerm } from './containers.js';
import { h } from './dom.js';
import { colorSlot, originName, severityLabel } from './format.js';
import type { Highlighter } from './highlight.js';
import { detectJson, outline } from './json-outline.js';
import { jsonTree } from './json-view.js';
import { fieldTerm, levelTerm } from './query-edit.js';
import type { Row } from './store.js';
import { formatFullTime, formatLineTime, localOffset, parseTs, type Zone } from './time.js';
import type { LogRecord } from './wire.js';

/** Characters drawn on a collapsed row; the rest is on expand. */
export const LINE_CHARS = 2000;
/** Characters drawn in the details; a longer message says how much is left out. */
export const DETAIL_CHARS = 100_000;

export interface RowOptions {
  zone: Zone;
  expanded: boolean;
  /** A link to the lines around a record (a URL carrying `ctx=<id>`). */
  contextHref(id: string): string;
  /** Marks the record the context view is centred on. */
  focus?: boolean;
  /** Marks what the query matched. */
  highlight?: Highlighter | null;
}

const TERM_HINT = 'click: add to the query · shift-click: exclude';

/** The term that filters on the origin the row shows (originName's order). */
function originTerm(r: LogRecord): string | null {
  if (r.container_name) return containerTerm(r.container_name);
  // 12 hex digits match container ids that start with them (api/query/README.md).
  if (r.container_id) return containerTerm(r.container_id.slice(0, 12));
  if (r.app) return fieldTerm('app', r.app);
  if (r.tag) return fieldTerm('tag', r.tag);
  if (r.host) return fieldTerm('host', r.host);
  return null;
}

function termAttrs(
  term: string | null,
  attrs: Record<string, string> = {},
): Record<string, string> {
  return term === null ? attrs : { ...attrs, 'data-term': term };
}

function offsetFor(zone: Zone, ts: string): number {
  if (zone === 'utc') return 0;
  return localOffset(parseTs(ts)?.ms ?? Date.now());
}

function lineEl(r: LogRecord, o: RowOptions): HTMLElement {
  const off = offsetFor(o.zone, r.ts);
  const origin = originName(r);
  const msg = h('span', { class: 'msg' });
  const text = r.message.length > LINE_CHARS ? r.message.slice(0, LINE_CHARS) : r.message;
  const segments = parseAnsi(text);
  appendAnsi(msg, segments, true, o.highlight?.ranges(plainText(segments)) ?? []);
  if (r.message.length > LINE_CHARS) msg.append(h('span', { class: 'more', text: ' …' }));
  const oTerm = originTerm(r);
  const src = h('span', {
    class: `src c${colorSlot(origin)}`,
    text: origin,
    title: [
      [r.container_name, r.container_id?.slice(0, 12), r.host].filter(Boolean).join(' · '),
      oTerm ? `${oTerm}: ${TERM_HINT}` : '',
    ]
      .filter(Boolean)
      .join('\n'),
    attrs: termAttrs(oTerm),
  });
  const lTerm = r.severity === null ? null : levelTerm(r.severity);
  return h(
    'div',
    { class: 'line' },
    h('button', {
      class: 'tg',
      text: o.expanded ? '▾' : '▸',
      title: o.expanded ? 'Hide details' : 'Show details',
      attrs: { 'data-action': 'toggle', type: 'button', tabindex: '-1' },
    }),
    h('span', { class: 'ts', text: formatLineTime(r.ts, off), title: formatFullTime(r.ts, off) }),
    h('span', {
      class: 'sev',
      text: severityLabel(r.severity),
      title: lTerm ? `${lTerm}: ${TERM_HINT}` : undefined,
      attrs: termAttrs(lTerm),
    }),
    src,
    h('span', { class: 'st', text: r.stream === 'stderr' ? 'err' : '' }),
    msg,
    h('a', {
      class: 'ctx',
      text: '⋯',
      title: 'Show the lines around this one',
      attrs: { href: o.contextHref(r.id), 'data-action': 'context' },
    }),
  );
}

function field(
  name: string,
  value: string | number | null,
  term: string | null = null,
): HTMLElement[] {
  if (value === null || value === '') return [];
  return [
    h('dt', { text: name }),
    h('dd', {
      text: String(value),
      title: term ? `${term}: ${TERM_HINT}` : undefined,
      attrs: termAttrs(term),
    }),
  ];
}

/** The term for a column the query language names the same way. */
function col(name: string, value: string | null): string | null {
  return value === null || value === '' ? null : fieldTerm(name, value);
}

/** `attrs.<path>:<value>` for a leaf of a JSON tree (a JSON line's fields are in attrs). */
function attrTerm(path: readonly string[], kind: string, text: string): string | null {
  if (path.length === 0 || kind === 'null') return null;
  return fieldTerm('attrs', text, path);
}

function detailEl(r: LogRecord, o: RowOptions): HTMLElement {
  const full = h('pre', { class: 'full' });
  const text = r.message.length > DETAIL_CHARS ? r.message.slice(0, DETAIL_CHARS) : r.message;
  const segments = parseAnsi(text);
  appendAnsi(full, segments, false, o.highlight?.ranges(plainText(segments)) ?? []);
  if (r.message.length > DETAIL_CHARS) {
    full.append(
      h('span', {
        class: 'more',
        text: `\n… ${r.message.length - DETAIL_CHARS} more characters (download to see all)`,
      }),
    );
  }
  const parsed = detectJson(r.message);
  const fields = h(
    'dl',
    { class: 'fields' },
    ...field('time (UTC)', formatFullTime(r.ts, 0)),
    ...(o.zone === 'local'
      ? field('time (local)', formatFullTime(r.ts, offsetFor('local', r.ts)))
      : []),
    // In the zone the rows use, formatted like the event time (not raw RFC 3339).
    ...field('received', formatFullTime(r.received_at, offsetFor(o.zone, r.received_at))),
    ...field('container', r.container_name, r.container_name && containerTerm(r.container_name)),
    ...field('container id', r.container_id, col('container_id', r.container_id)),
    ...field('project', r.project, col('project', r.project)),
    ...field('service', r.service, col('service', r.service)),
    ...field('host', r.host, col('host', r.host)),
    ...field('stream', r.stream, col('stream', r.stream)),
    ...field('source', r.source, col('source', r.source)),
    ...field('tag', r.tag, col('tag', r.tag)),
    ...field('app', r.app, col('app', r.app)),
    ...field(
      'severity',
      r.severity === null ? null : `${r.severity} ${severityLabel(r.severity).toLowerCase()}`,
      r.severity === null ? null : levelTerm(r.severity),
    ),
    ...field('facility', r.facility),
    ...field('id', r.id),
  );
  return h(
    'div',
    { class: 'detail' },
    parsed === undefined
      ? full
      : jsonTree(outline(parsed), {
          // The collector keeps a JSON object's fields in attrs; an array's, nowhere.
          term: Array.isArray(parsed) ? () => null : attrTerm,
          highlight: o.highlight ?? null,
        }),
    fields,
    r.attrs && Object.keys(r.attrs).length > 0
      ? h(
          'div',
          { class: 'attrs' },
          h('div', { class: 'label', text: 'attrs' }),
          jsonTree(outline(r.attrs), { term: attrTerm, highlight: null }),
        )
      : null,
    h(
      'div',
      { class: 'actions' },
      h('a', {
        text: 'Lines around this one',
        attrs: { href: o.contextHref(r.id), 'data-action': 'context' },
      }),
      r.container_name
        ? h('button', {
            text: `Only ${r.container_name}`,
            attrs: { type: 'button', 'data-action': 'container' },
          })
        : null,
      parsed === undefined
        ? null
        : h('button', { text: 'Raw text', attrs: { type: 'button', 'data-action': 'raw' } }),
    ),
    parsed === undefined
      ? null
      : h('pre', { class: 'full raw hidden' }, r.message.slice(0, DETAIL_CHARS)),
  );
}

export function renderRow(row: Row, o: RowOptions): HTMLElement {
  if (row.kind === 'notice') {
    const el = h('div', { class: 'row notice', text: row.text });
    el.dataset.seq = String(row.seq);
    return el;
  }
  const r = row.record;
  let cls = 'row';
  if (r.severity !== null) cls += ` s${r.severity}`;
  if (r.stream === 'stderr') cls += ' stderr';
  if (o.expanded) cls += ' open';
  if (o.focus) cls += ' focus';
  const el = h('div', { class: cls }, lineEl(r, o), o.expanded ? detailEl(r, o) : null);
  el.dataset.seq = String(row.seq);
  el.dataset.id = r.id;
  return el;
}
