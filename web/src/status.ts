/**
 * What the status line, the pause button and the "N new lines" pill say, from the
 * view's state alone (no DOM), so every combination is unit-tested.
 */
import { formatInt } from './format.js';
import type { TailStatus } from './tail-stream.js';

export interface StatusInput {
  live: boolean;
  tail: TailStatus | null;
  /** Search mode: a page is being fetched; more pages exist. */
  loading: boolean;
  more: boolean;
  rows: number;
  cap: number;
  /** Tail mode: the list follows the newest line; lines arrived since. */
  following: boolean;
  unseen: number;
  /** Where the newest line is drawn (url-state `order`). */
  newestAt?: 'top' | 'bottom';
  /** What stopped this view, if anything: its query, the API token, or anything else. */
  error?: ErrorKind | null;
  /** A wider range to offer when nothing matched ("Search the last 24 hours"). */
  wider?: string | null;
  /** The view has a query or picked containers (false: every line of the range). */
  filtered?: boolean;
  /**
   * A collector cannot write to PostgreSQL (the banner says so, lag-feed.ts): a server
   * error is that, and new lines wait in the spool rather than reach the tail.
   */
  storeDown?: boolean;
}

/** `server`: the server could not answer (5xx, unreachable), which a later try may not repeat. */
export type ErrorKind = 'query' | 'token' | 'server' | 'other';

/** The kind of an API error (core/errors.ts codes; status 0: no answer at all). */
export function errorKind(code: string, status = 400): ErrorKind {
  if (code === 'LH_QUERY_SYNTAX' || code === 'LH_QUERY_TOO_LONG') return 'query';
  if (code === 'LH_UNAUTHORIZED') return 'token';
  if ((status === 0 || status >= 500) && code !== 'LH_QUERY_TIMEOUT') return 'server';
  return 'other';
}

const STOPPED: Record<ErrorKind, string> = {
  query: 'the query has an error (see above)',
  token: 'the API token was not accepted',
  server: 'the server could not answer',
  other: 'the server refused this view',
};

/** What stopped the view, agreeing with the banner when PostgreSQL is away. */
function stoppedBy(i: StatusInput, e: ErrorKind): string {
  return e === 'server' && i.storeDown ? 'PostgreSQL is unreachable (see the banner)' : STOPPED[e];
}

/** The qerror box's text for a server error while PostgreSQL is away, or null. */
export function storeDownError(kind: ErrorKind | null, storeDown: boolean): string | null {
  return kind === 'server' && storeDown
    ? 'PostgreSQL is unreachable: lines cannot be read until it answers again, and this view reloads then.'
    : null;
}

export interface StatusView {
  text: string;
  /** st-live, st-wait, st-paused, st-search or st-error. */
  cls: string;
  count: string;
  pauseLabel: string;
  /** The floating "new lines" button, or null when hidden. */
  pill: string | null;
}

function stateText(i: StatusInput): [string, string] {
  const t = i.tail;
  if (i.error)
    return [`${i.live ? 'Stopped' : 'Search failed'}: ${stoppedBy(i, i.error)}`, 'error'];
  if (!i.live) {
    if (i.rows >= i.cap)
      return [`Row cap of ${formatInt(i.cap)} reached: narrow the range`, 'search'];
    if (i.loading) return ['Searching…', 'search'];
    const older = i.newestAt === 'bottom' ? 'scroll up' : 'scroll down';
    return [i.more ? `More lines available: ${older}` : 'All matching lines loaded', 'search'];
  }
  if (!t || t.state === 'connecting') {
    return [t && t.attempt > 0 ? `Reconnecting (attempt ${t.attempt})…` : 'Connecting…', 'wait'];
  }
  if (t.state === 'live')
    return i.storeDown
      ? ['Live · new lines wait until PostgreSQL is back', 'wait']
      : ['Live', 'live'];
  if (t.state === 'paused') {
    return [t.stalled ? 'Paused · reading stopped, catches up on resume' : 'Paused', 'paused'];
  }
  if (t.state === 'waiting')
    return [`Disconnected · retrying in ${Math.ceil(t.retryInMs / 1000)}s`, 'wait'];
  return ['Stopped', t.fatal ? 'error' : 'wait'];
}

function newLines(n: number): string {
  return `${formatInt(n)} new line${n === 1 ? '' : 's'}`;
}

export function describeStatus(i: StatusInput): StatusView {
  const [text, cls] = stateText(i);
  const paused = i.live && i.tail?.state === 'paused';
  let pill: string | null = null;
  if (i.tail?.state === 'paused' && i.live) pill = `▶ Resume · ${newLines(i.tail.pending)}`;
  else if (i.live && !i.following && i.unseen > 0)
    pill = `${i.newestAt === 'top' ? '↑' : '↓'} ${newLines(i.unseen)}`;
  return {
    text,
    cls: `st-${cls}`,
    count: `${formatInt(i.rows)} lines${i.rows >= i.cap ? ' (cap)' : ''}`,
    pauseLabel: paused ? '▶ Resume' : '❚❚ Pause',
    pill,
  };
}

export type KeyAction = 'focus-query' | 'toggle-pause' | 'blur' | null;

/**
 * Keyboard shortcuts (issue 5, point 5): `/` focuses the query and space pauses the live
 * tail, except while typing in a field or with a modifier held; a focused button keeps
 * space for itself.
 */
export function keyAction(
  key: string,
  target: 'field' | 'button' | 'other',
  modifier: boolean,
  live: boolean,
): KeyAction {
  if (key === 'Escape') return target === 'field' ? 'blur' : null;
  if (target === 'field' || modifier) return null;
  if (key === '/') return 'focus-query';
  if (key === ' ' && live && target !== 'button') return 'toggle-pause';
  return null;
}

export interface EdgeNote {
  text: string;
  /** A button after the text: load the next page, or search a wider range. */
  action: 'older' | 'wider' | null;
  actionText?: string;
}

/**
 * What the list says where it has nothing (more) to show (issue 18, point 3): why it is
 * empty (an error, no match in the range, still loading) with a wider range one click
 * away, or, under the oldest line of a search, whether older lines remain.
 */
export function describeEdge(i: StatusInput): EdgeNote | null {
  const wider = (text: string): EdgeNote =>
    i.wider ? { text, action: 'wider', actionText: i.wider } : { text, action: null };
  if (i.rows === 0) {
    if (i.error === 'query') return { text: 'Fix the query above to see lines.', action: null };
    if (i.error === 'token') return { text: 'This server needs an API token.', action: null };
    if (i.error === 'server' && i.storeDown)
      return { text: 'Nothing to show while PostgreSQL is unreachable.', action: null };
    if (i.error) return { text: 'Nothing to show: see the error above.', action: null };
    if (i.loading)
      return { text: i.live ? 'Loading the newest lines…' : 'Searching…', action: null };
    const none = i.filtered === false ? 'No lines' : 'No matches';
    if (i.live) return wider(`${none} in this range yet. New lines show here as they arrive.`);
    return wider(`${none} in this range.`);
  }
  if (i.live) return null;
  if (i.loading) return { text: 'Loading older lines…', action: null };
  if (i.rows >= i.cap) return { text: `Row cap of ${formatInt(i.cap)} reached.`, action: null };
  if (i.more) return { text: '', action: 'older', actionText: 'Load older lines' };
  return wider('No older lines in this range.');
}
