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
  /** Tail mode: the list follows the bottom; lines arrived below the view. */
  following: boolean;
  unseen: number;
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
  if (!i.live) {
    if (i.rows >= i.cap)
      return [`Row cap of ${formatInt(i.cap)} reached: narrow the range`, 'search'];
    if (i.loading) return ['Searching…', 'search'];
    return [i.more ? 'More lines available: scroll down' : 'All matching lines loaded', 'search'];
  }
  if (!t || t.state === 'connecting') {
    return [t && t.attempt > 0 ? `Reconnecting (attempt ${t.attempt})…` : 'Connecting…', 'wait'];
  }
  if (t.state === 'live') return ['Live', 'live'];
  if (t.state === 'paused') {
    return [t.stalled ? 'Paused · reading stopped, catches up on resume' : 'Paused', 'paused'];
  }
  if (t.state === 'waiting')
    return [`Disconnected · retrying in ${Math.ceil(t.retryInMs / 1000)}s`, 'wait'];
  return [t.fatal ? 'Stopped: fix the query or token' : 'Stopped', 'error'];
}

function newLines(n: number): string {
  return `${formatInt(n)} new line${n === 1 ? '' : 's'}`;
}

export function describeStatus(i: StatusInput): StatusView {
  const [text, cls] = stateText(i);
  const paused = i.live && i.tail?.state === 'paused';
  let pill: string | null = null;
  if (i.tail?.state === 'paused' && i.live) pill = `▶ Resume · ${newLines(i.tail.pending)}`;
  else if (i.live && !i.following && i.unseen > 0) pill = `↓ ${newLines(i.unseen)}`;
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

/** The line under the last row: a "load older" button in search mode, or why there is nothing. */
export function describeFooter(i: StatusInput): { text: string; loadOlder: boolean } | null {
  if (i.live) return i.rows === 0 ? { text: 'Waiting for lines…', loadOlder: false } : null;
  if (i.loading) return { text: 'Loading…', loadOlder: false };
  if (i.rows >= i.cap) return { text: `Row cap of ${formatInt(i.cap)} reached.`, loadOlder: false };
  if (i.more) return { text: 'Load older lines', loadOlder: true };
  if (i.rows === 0)
    return {
      text: 'No lines match in this range. Try a wider range or a looser query.',
      loadOlder: false,
    };
  return { text: 'No older lines in this range.', loadOlder: false };
}
