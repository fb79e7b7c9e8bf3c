/**
 * One log line per key per interval, against a model, with the count of occurrences
 * left unsaid; memory stays bounded by maxKeys whatever the keys.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LogThrottle, OVERFLOW_KEY } from '../../../collector/listen/log-throttle.js';

const I = 1000;

describe('LogThrottle', () => {
  it('logs a key at most once per interval and reports how many were suppressed', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ key: fc.constantFrom('a', 'b', 'c'), dt: fc.nat(2 * I) }), {
          maxLength: 100,
        }),
        (events) => {
          // maxKeys above the key count: the model needs no eviction.
          const t = new LogThrottle(I, 10);
          const last = new Map<string, { at: number; n: number }>();
          let now = 0;
          for (const e of events) {
            now += e.dt;
            const m = last.get(e.key);
            const got = t.take(e.key, now);
            if (m === undefined) {
              expect(got).toBe(0);
              last.set(e.key, { at: now, n: 0 });
            } else if (now - m.at < I) {
              expect(got).toBeNull();
              m.n++;
            } else {
              expect(got).toBe(m.n);
              last.set(e.key, { at: now, n: 0 });
            }
          }
        },
      ),
    );
  });

  it('a flood of one key gives one line per interval', () => {
    const t = new LogThrottle(I);
    let lines = 0;
    for (let ms = 0; ms < 10 * I; ms++) if (t.take('peer', ms) !== null) lines++;
    expect(lines).toBe(10);
  });

  it('stays within maxKeys: stale keys are forgotten, fresh overflow shares one slot', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string(), fc.nat(3 * I)), { maxLength: 200 }), (events) => {
        const t = new LogThrottle(I, 5);
        let now = 0;
        for (const [key, dt] of events) {
          now += dt;
          t.take(key, now);
          expect(t.size).toBeLessThanOrEqual(6);
        }
      }),
    );
    const t = new LogThrottle(I, 2);
    expect([t.take('a', 0), t.take('b', 0), t.take('c', 0), t.take('d', 0)]).toEqual([
      0,
      0,
      0,
      null,
    ]);
    // Once 'a' and 'b' are an interval old they make room again.
    expect(t.take('e', I)).toBe(0);
    expect(OVERFLOW_KEY).toContain('overflow');
  });
});
