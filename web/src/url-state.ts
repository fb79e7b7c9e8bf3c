/**
 * The view's state in the URL, so a view can be shared (issue 5, point 5):
 *
 *   ?q=<query>&from=<time>&to=<time>&live=0&c=<container>&c=<container>&ctx=<id>&order=desc
 *
 * Defaults are left out, so the bare page URL is the live tail of the last hour. Values
 * are capped in length; a value that does not fit falls back to its default.
 */
import { isRelative } from './time.js';

export interface ViewState {
  q: string;
  /** `from`/`to` as the API takes them: an age like `15m`, RFC 3339, or '' (open). */
  from: string;
  to: string;
  live: boolean;
  /** Containers picked in the side list, merged into one view. */
  containers: string[];
  /** The record whose surrounding lines are open, if any. */
  ctx: string | null;
  /**
   * Where the newest line is, for the tail and searches alike (issue 18, point 4):
   * 'asc' newest at the bottom, as Papertrail and Dozzle show it; 'desc' newest at the top.
   */
  order: Order;
}

export type Order = 'asc' | 'desc';

export const DEFAULT_STATE: Readonly<ViewState> = Object.freeze({
  q: '',
  from: '1h',
  to: '',
  live: true,
  containers: [],
  ctx: null,
  order: 'asc',
});

export const URL_LIMITS = Object.freeze({ q: 4096, time: 64, containers: 50, container: 256 });

const TIME_CHARS = /^[0-9A-Za-z:.+\- ]*$/;

function timeValue(v: string | null, fallback: string): string {
  if (v === null) return fallback;
  const t = v.trim();
  return t.length <= URL_LIMITS.time && TIME_CHARS.test(t) ? t : fallback;
}

export function decodeState(search: string): ViewState {
  const p = new URLSearchParams(search);
  const containers: string[] = [];
  for (const c of p.getAll('c')) {
    if (c === '' || c.length > URL_LIMITS.container || containers.includes(c)) continue;
    if (containers.length === URL_LIMITS.containers) break;
    containers.push(c);
  }
  const live = p.get('live');
  const ctx = p.get('ctx');
  const s: ViewState = {
    q: (p.get('q') ?? '').slice(0, URL_LIMITS.q),
    from: timeValue(p.get('from'), DEFAULT_STATE.from),
    to: timeValue(p.get('to'), DEFAULT_STATE.to),
    live: live === null ? DEFAULT_STATE.live : live === '1' || live === 'true',
    containers,
    ctx: ctx !== null && /^\d{1,20}$/.test(ctx) ? ctx : null,
    order: p.get('order') === 'desc' ? 'desc' : 'asc',
  };
  // A fixed range cannot be tailed: such a link is a search whatever it says.
  if (s.live && !liveCompatible(s)) s.live = false;
  return s;
}

/** `?...` with only the values that differ from the defaults, or '' for the default view. */
export function encodeState(s: ViewState): string {
  const p = new URLSearchParams();
  if (s.q !== '') p.set('q', s.q);
  if (s.from !== DEFAULT_STATE.from) p.set('from', s.from);
  if (s.to !== DEFAULT_STATE.to) p.set('to', s.to);
  if (s.live !== DEFAULT_STATE.live) p.set('live', s.live ? '1' : '0');
  for (const c of s.containers) p.append('c', c);
  if (s.ctx !== null) p.set('ctx', s.ctx);
  if (s.order !== DEFAULT_STATE.order) p.set('order', s.order);
  const text = p.toString();
  return text === '' ? '' : `?${text}`;
}

export function sameState(a: ViewState, b: ViewState): boolean {
  return encodeState(a) === encodeState(b);
}

/** A live tail has no fixed end: live needs an open `to` and a relative `from`. */
export function liveCompatible(s: ViewState): boolean {
  return s.to === '' && isRelative(s.from);
}

/** The state with live switched on or off, moving the range to one live can show. */
export function withLive(s: ViewState, live: boolean): ViewState {
  if (!live) return { ...s, live };
  return liveCompatible(s) ? { ...s, live } : { ...s, live, from: DEFAULT_STATE.from, to: '' };
}
