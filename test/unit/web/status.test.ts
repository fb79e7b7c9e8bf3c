import { describe, expect, it } from 'vitest';
import {
  describeFooter,
  describeStatus,
  keyAction,
  type StatusInput,
} from '../../../web/src/status.js';

const base: StatusInput = {
  live: true,
  tail: { state: 'live' },
  loading: false,
  more: false,
  rows: 1234,
  cap: 100_000,
  following: true,
  unseen: 0,
};

describe('describeStatus', () => {
  it('live and following: no pill', () => {
    expect(describeStatus(base)).toEqual({
      text: 'Live',
      cls: 'st-live',
      count: '1,234 lines',
      pauseLabel: '❚❚ Pause',
      pill: null,
    });
  });

  it('scrolled up with new lines below: the pill counts them', () => {
    expect(describeStatus({ ...base, following: false, unseen: 42 }).pill).toBe('↓ 42 new lines');
    expect(describeStatus({ ...base, following: false, unseen: 0 }).pill).toBeNull();
    expect(describeStatus({ ...base, following: false, unseen: 1 }).pill).toBe('↓ 1 new line');
  });

  it('paused: resume button and the held lines', () => {
    const v = describeStatus({ ...base, tail: { state: 'paused', pending: 1500, stalled: false } });
    expect(v).toMatchObject({
      text: 'Paused',
      cls: 'st-paused',
      pauseLabel: '▶ Resume',
      pill: '▶ Resume · 1,500 new lines',
    });
    const stalled = describeStatus({
      ...base,
      tail: { state: 'paused', pending: 20_000, stalled: true },
    });
    expect(stalled.text).toContain('reading stopped');
  });

  it('connection states', () => {
    expect(describeStatus({ ...base, tail: null }).text).toBe('Connecting…');
    expect(describeStatus({ ...base, tail: { state: 'connecting', attempt: 3 } }).text).toBe(
      'Reconnecting (attempt 3)…',
    );
    expect(
      describeStatus({ ...base, tail: { state: 'waiting', retryInMs: 1501, attempt: 2 } }),
    ).toMatchObject({
      text: 'Disconnected · retrying in 2s',
      cls: 'st-wait',
    });
    expect(describeStatus({ ...base, tail: { state: 'stopped', fatal: true } }).cls).toBe(
      'st-error',
    );
  });

  it('search mode: loading, more, done, and the row cap', () => {
    const s = { ...base, live: false, tail: null };
    expect(describeStatus({ ...s, loading: true }).text).toBe('Searching…');
    expect(describeStatus({ ...s, more: true }).text).toBe('More lines available: scroll down');
    expect(describeStatus(s).text).toBe('All matching lines loaded');
    const full = describeStatus({ ...s, rows: 100_000, more: true });
    expect(full.text).toBe('Row cap of 100,000 reached: narrow the range');
    expect(full.count).toBe('100,000 lines (cap)');
    expect(full.pill).toBeNull();
  });
});

describe('keyAction', () => {
  it('/ focuses the query and space pauses, outside fields', () => {
    expect(keyAction('/', 'other', false, true)).toBe('focus-query');
    expect(keyAction(' ', 'other', false, true)).toBe('toggle-pause');
  });

  it('typing in a field is left alone; Escape leaves the field', () => {
    expect(keyAction('/', 'field', false, true)).toBeNull();
    expect(keyAction(' ', 'field', false, true)).toBeNull();
    expect(keyAction('Escape', 'field', false, true)).toBe('blur');
    expect(keyAction('Escape', 'other', false, true)).toBeNull();
  });

  it('space does nothing in search mode or on a focused button; modifiers pass through', () => {
    expect(keyAction(' ', 'other', false, false)).toBeNull();
    expect(keyAction(' ', 'button', false, true)).toBeNull();
    expect(keyAction('/', 'other', true, true)).toBeNull();
  });
});

describe('describeFooter', () => {
  const search = { ...base, live: false, tail: null };

  it('search with more pages offers to load older lines', () => {
    expect(describeFooter({ ...search, more: true })).toEqual({
      text: 'Load older lines',
      loadOlder: true,
    });
  });

  it('says why there is nothing more', () => {
    expect(describeFooter({ ...search, loading: true, more: true })?.loadOlder).toBe(false);
    expect(describeFooter(search)?.text).toBe('No older lines in this range.');
    expect(describeFooter({ ...search, rows: 0 })?.text).toMatch(/^No lines match/);
    expect(describeFooter({ ...search, rows: 100_000, more: true })).toEqual({
      text: 'Row cap of 100,000 reached.',
      loadOlder: false,
    });
  });

  it('live: only a waiting note while empty', () => {
    expect(describeFooter(base)).toBeNull();
    expect(describeFooter({ ...base, rows: 0 })?.text).toBe('Waiting for lines…');
  });
});
