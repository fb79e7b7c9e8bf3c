/** PeerWarnings: one line per peer per interval, the unlogged count carried, the peer cap. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PeerWarnings } from '../../../api/peer-warnings.js';

function setup(intervalMs = 1000, maxPeers = 100) {
  const lines: Record<string, unknown>[] = [];
  let now = 0;
  const w = new PeerWarnings(
    { warn: (fields) => lines.push(fields as Record<string, unknown>) },
    'refused',
    { intervalMs, maxPeers, now: () => now },
  );
  return { w, lines, tick: (ms: number) => (now += ms) };
}

describe('PeerWarnings', () => {
  it('logs a peer once per interval and then says how many went unlogged', () => {
    const { w, lines, tick } = setup();
    expect(w.note('10.0.0.1', { route: '/api/logs' })).toBe(true);
    for (let i = 0; i < 5; i++) expect(w.note('10.0.0.1', { route: '/api/logs' })).toBe(false);
    tick(999);
    expect(w.note('10.0.0.1', {})).toBe(false);
    tick(1);
    expect(w.note('10.0.0.1', { route: '/api/tail' })).toBe(true);
    expect(lines).toEqual([
      { route: '/api/logs', peer: '10.0.0.1', suppressed: 0 },
      { route: '/api/tail', peer: '10.0.0.1', suppressed: 6 },
    ]);
  });

  it('keeps peers apart', () => {
    const { w, lines } = setup();
    w.note('a', {});
    w.note('b', {});
    w.note('a', {});
    expect(lines.map((l) => l.peer)).toEqual(['a', 'b']);
  });

  it('past maxPeers forgets the peer logged longest ago, which is then logged again', () => {
    const { w, lines } = setup(1000, 3);
    for (const p of ['a', 'b', 'c', 'd']) w.note(p, {});
    expect(w.size).toBe(3);
    expect(w.note('b', {})).toBe(false);
    expect(w.note('a', {})).toBe(true);
    expect(w.size).toBe(3);
    expect(lines.map((l) => l.peer)).toEqual(['a', 'b', 'c', 'd', 'a']);
  });

  it('never logs a peer twice within an interval and accounts for every event', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('a', 'b', 'c'), fc.nat(400)), { maxLength: 200 }),
        (events) => {
          const { w, lines, tick } = setup(1000, 3);
          const times: Record<string, number[]> = {};
          let t = 0;
          for (const [peer, dt] of events) {
            tick(dt);
            t += dt;
            if (w.note(peer, {})) (times[peer] ??= []).push(t);
          }
          for (const ts of Object.values(times))
            for (let i = 1; i < ts.length; i++)
              expect(ts[i]! - ts[i - 1]!).toBeGreaterThanOrEqual(1000);
          // One more event per peer after a quiet interval flushes every unlogged count.
          tick(1000);
          const peers = new Set(events.map(([p]) => p));
          for (const p of peers) expect(w.note(p, {})).toBe(true);
          const accounted = lines.reduce((n, l) => n + 1 + (l.suppressed as number), 0);
          expect(accounted).toBe(events.length + peers.size);
        },
      ),
    );
  });
});
