import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_STATE,
  URL_LIMITS,
  decodeState,
  encodeState,
  liveCompatible,
  withLive,
  type ViewState,
} from '../../../web/src/url-state.js';

describe('url state', () => {
  it('the bare URL is the default view, and the default view encodes to nothing', () => {
    expect(decodeState('')).toEqual(DEFAULT_STATE);
    expect(encodeState(DEFAULT_STATE)).toBe('');
  });

  it('encodes only what differs from the defaults', () => {
    const s: ViewState = { ...DEFAULT_STATE, q: 'level:error "a b"', containers: ['web', 'api-1'] };
    expect(encodeState(s)).toBe('?q=level%3Aerror+%22a+b%22&c=web&c=api-1');
  });

  it('decodes a shared search link', () => {
    const s = decodeState(
      '?q=timeout&from=2024-01-01T00:00:00Z&to=2024-01-02T00:00:00Z&live=0&ctx=123',
    );
    expect(s).toEqual({
      q: 'timeout',
      from: '2024-01-01T00:00:00Z',
      to: '2024-01-02T00:00:00Z',
      live: false,
      containers: [],
      ctx: '123',
      order: 'asc',
    });
  });

  it('a fixed range cannot be live, whatever the link says', () => {
    expect(decodeState('?to=2024-01-02T00:00:00Z').live).toBe(false);
    expect(decodeState('?from=2024-01-01T00:00:00Z&live=1').live).toBe(false);
    expect(decodeState('?from=15m&live=1').live).toBe(true);
  });

  it('falls back to defaults for values that do not fit', () => {
    const s = decodeState(
      `?from=${'9'.repeat(URL_LIMITS.time + 1)}&to=<script>&ctx=12a&live=maybe`,
    );
    expect(s.from).toBe(DEFAULT_STATE.from);
    expect(s.to).toBe(DEFAULT_STATE.to);
    expect(s.ctx).toBeNull();
    expect(s.live).toBe(false);
  });

  it('caps the query length and the number of containers, and drops duplicates', () => {
    const many = Array.from({ length: URL_LIMITS.containers + 5 }, (_, i) => `c=n${i}`).join('&');
    const s = decodeState(`?q=${'x'.repeat(URL_LIMITS.q + 10)}&c=a&c=a&c=&${many}`);
    expect(s.q).toHaveLength(URL_LIMITS.q);
    expect(s.containers).toHaveLength(URL_LIMITS.containers);
    expect(s.containers.slice(0, 2)).toEqual(['a', 'n0']);
  });

  it('round-trips every valid state', () => {
    const time = fc.oneof(
      fc.constantFrom('', '5m', '1h', '7d', 'now'),
      fc
        .date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true })
        .map((d) => d.toISOString()),
    );
    const state = fc
      .record({
        q: fc.string({ maxLength: 50 }),
        from: time,
        to: time,
        live: fc.boolean(),
        containers: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 20 }), { maxLength: 5 }),
        ctx: fc.option(fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }).map(String), { nil: null }),
        order: fc.constantFrom('asc' as const, 'desc' as const),
      })
      .map((s) => withLive(s, s.live));
    fc.assert(
      fc.property(state, (s) => {
        expect(decodeState(encodeState(s))).toEqual(s);
      }),
    );
  });

  it('the order: newest at the bottom by default, `order=desc` puts it at the top (issue 18)', () => {
    expect(decodeState('').order).toBe('asc');
    expect(decodeState('?order=desc').order).toBe('desc');
    expect(decodeState('?order=sideways').order).toBe('asc');
    expect(encodeState({ ...DEFAULT_STATE, order: 'desc' })).toBe('?order=desc');
    expect(encodeState({ ...DEFAULT_STATE, order: 'asc' })).toBe('');
  });

  it('switching live on moves a fixed range to the default live range', () => {
    const fixed: ViewState = {
      ...DEFAULT_STATE,
      from: '2024-01-01T00:00:00Z',
      to: '2024-01-02T00:00:00Z',
      live: false,
    };
    expect(liveCompatible(fixed)).toBe(false);
    expect(withLive(fixed, true)).toEqual({
      ...fixed,
      live: true,
      from: DEFAULT_STATE.from,
      to: '',
    });
    const rel: ViewState = { ...DEFAULT_STATE, from: '6h', live: false };
    expect(withLive(rel, true)).toEqual({ ...rel, live: true });
  });
});
