import { describe, expect, it } from 'vitest';
import {
  describeEdge,
  describeStatus,
  errorKind,
  keyAction,
  storeDownError,
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

describe('describeEdge', () => {
  const search = { ...base, live: false, tail: null };

  it('search with more pages offers to load older lines', () => {
    expect(describeEdge({ ...search, more: true })).toEqual({
      text: '',
      action: 'older',
      actionText: 'Load older lines',
    });
  });

  it('says why there is nothing more, with a wider range one click away', () => {
    expect(describeEdge({ ...search, loading: true, more: true })).toEqual({
      text: 'Loading older lines…',
      action: null,
    });
    expect(describeEdge({ ...search, wider: 'Search the last 6 hours' })).toEqual({
      text: 'No older lines in this range.',
      action: 'wider',
      actionText: 'Search the last 6 hours',
    });
    expect(describeEdge({ ...search, rows: 100_000, more: true })).toEqual({
      text: 'Row cap of 100,000 reached.',
      action: null,
    });
  });

  it('no hit: "no matches in this range", and the wider range when there is one (issue 18)', () => {
    const none = { ...search, rows: 0, wider: 'Search the last 24 hours' };
    expect(describeEdge(none)).toEqual({
      text: 'No matches in this range.',
      action: 'wider',
      actionText: 'Search the last 24 hours',
    });
    expect(describeEdge({ ...none, wider: null })).toEqual({
      text: 'No matches in this range.',
      action: null,
    });
    expect(describeEdge({ ...none, loading: true })?.text).toBe('Searching…');
    // Without a query or a container picked, it is lines, not matches, that are missing.
    expect(describeEdge({ ...none, filtered: false })?.text).toBe('No lines in this range.');
  });

  it('live: nothing under the lines; while empty, loading then no match yet', () => {
    expect(describeEdge(base)).toBeNull();
    expect(describeEdge({ ...base, rows: 0, loading: true })?.text).toBe(
      'Loading the newest lines…',
    );
    expect(describeEdge({ ...base, rows: 0, wider: 'Search the last 6 hours' })).toMatchObject({
      text: expect.stringMatching(/^No matches in this range yet/),
      action: 'wider',
    });
  });

  it('an error says what to fix instead of waiting or offering a range', () => {
    for (const live of [true, false]) {
      const i = { ...base, live, rows: 0, wider: 'Search the last 6 hours' };
      expect(describeEdge({ ...i, error: 'query' })).toEqual({
        text: 'Fix the query above to see lines.',
        action: null,
      });
      expect(describeEdge({ ...i, error: 'token' })?.text).toBe('This server needs an API token.');
      expect(describeEdge({ ...i, error: 'other' })?.action).toBeNull();
    }
  });
});

describe('errors stop the view with their own words (issue 18)', () => {
  it('the kind of an error code', () => {
    expect(errorKind('LH_QUERY_SYNTAX')).toBe('query');
    expect(errorKind('LH_QUERY_TOO_LONG')).toBe('query');
    expect(errorKind('LH_UNAUTHORIZED')).toBe('token');
    expect(errorKind('LH_INTERNAL')).toBe('other');
  });

  it('the status names the query or the token, not both', () => {
    const stopped = { ...base, tail: { state: 'stopped', fatal: true } } as const;
    expect(describeStatus({ ...stopped, error: 'query' })).toMatchObject({
      text: 'Stopped: the query has an error (see above)',
      cls: 'st-error',
    });
    expect(describeStatus({ ...stopped, error: 'token' }).text).toBe(
      'Stopped: the API token was not accepted',
    );
    expect(describeStatus({ ...base, live: false, tail: null, error: 'query' }).text).toBe(
      'Search failed: the query has an error (see above)',
    );
    expect(describeStatus(stopped).text).toBe('Stopped');
  });

  it('a server error is told apart from a refusal (issue 16)', () => {
    expect(errorKind('LH_INTERNAL', 500)).toBe('server');
    expect(errorKind('LH_NOT_READY', 503)).toBe('server');
    expect(errorKind('LH_NETWORK', 0)).toBe('server');
    expect(errorKind('HTTP_502', 502)).toBe('server');
    // A query that took too long fails again the same way: not the server's state.
    expect(errorKind('LH_QUERY_TIMEOUT', 503)).toBe('other');
    expect(errorKind('LH_RATE_LIMITED', 429)).toBe('other');
    expect(errorKind('LH_UNAUTHORIZED', 401)).toBe('token');
    expect(errorKind('LH_QUERY_SYNTAX', 400)).toBe('query');
    const search = { ...base, live: false, tail: null, rows: 0 };
    expect(describeStatus({ ...search, error: 'server' }).text).toBe(
      'Search failed: the server could not answer',
    );
    expect(describeStatus({ ...search, error: 'other' }).text).toBe(
      'Search failed: the server refused this view',
    );
  });

  it('the new-lines pill points where the newest lines are', () => {
    const up = { ...base, following: false, unseen: 3 };
    expect(describeStatus({ ...up, newestAt: 'top' }).pill).toBe('↑ 3 new lines');
    expect(describeStatus({ ...up, newestAt: 'bottom' }).pill).toBe('↓ 3 new lines');
  });
});

describe('while PostgreSQL is unreachable, the status agrees with the banner (issue 16)', () => {
  const search = { ...base, live: false, tail: null, rows: 0, storeDown: true };

  it('a failed search names PostgreSQL, in the status, the edge and the error box', () => {
    expect(describeStatus({ ...search, error: 'server' })).toMatchObject({
      text: 'Search failed: PostgreSQL is unreachable (see the banner)',
      cls: 'st-error',
    });
    expect(describeEdge({ ...search, error: 'server' })).toEqual({
      text: 'Nothing to show while PostgreSQL is unreachable.',
      action: null,
    });
    expect(storeDownError('server', true)).toMatch(
      /^PostgreSQL is unreachable: .* reloads then\.$/,
    );
    // Errors of other kinds keep their own words; without the banner, nothing changes.
    expect(describeStatus({ ...search, error: 'query' }).text).toBe(
      'Search failed: the query has an error (see above)',
    );
    expect(storeDownError('query', true)).toBeNull();
    expect(storeDownError('server', false)).toBeNull();
    expect(describeEdge({ ...search, error: 'server', storeDown: false })?.text).toBe(
      'Nothing to show: see the error above.',
    );
  });

  it('the live tail does not claim lines flow: they wait in the spool', () => {
    expect(describeStatus({ ...base, storeDown: true })).toMatchObject({
      text: 'Live · new lines wait until PostgreSQL is back',
      cls: 'st-wait',
    });
    expect(describeStatus({ ...base, storeDown: false }).text).toBe('Live');
  });
});
