/**
 * The request deadline against a reference model: random reads (requests completed,
 * a partial one buffered or not), waits, pauses and resumes; it must expire exactly when
 * the model says a begun request has gone `timeoutMs` of reading time without ending,
 * and never otherwise. Fake timers: no wall clock.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { RequestDeadline } from '../../../collector/listen/request-deadline.js';

type Step =
  | { t: 'read'; completed: number; mid: boolean }
  | { t: 'wait'; ms: number }
  | { t: 'pause' }
  | { t: 'resume' };

const T = 1000;

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('read' as const),
      completed: fc.nat(3),
      mid: fc.boolean(),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('wait' as const),
      ms: fc.integer({ min: 0, max: 2 * T }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ t: 'pause' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'resume' as const }) },
);

/** When (in test time) the model says the deadline fires, or null. */
function modelExpiry(steps: Step[]): number | null {
  let now = 0;
  let start: number | null = null;
  let held = false;
  for (const s of steps) {
    switch (s.t) {
      case 'read':
        if (!s.mid) start = null;
        else if (s.completed > 0 || start === null) start = now;
        break;
      case 'pause':
        held = true;
        break;
      case 'resume':
        if (held && start !== null) start = now;
        held = false;
        break;
      case 'wait':
        if (!held && start !== null && now + s.ms >= start + T) return start + T;
        now += s.ms;
    }
  }
  return null;
}

describe('RequestDeadline', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const run = (steps: Step[]) => {
    const t0 = Date.now();
    const fired: number[] = [];
    const d = new RequestDeadline(
      T,
      () => fired.push(Date.now() - t0),
      () => Date.now(),
    );
    for (const s of steps) {
      if (fired.length > 0) break;
      if (s.t === 'read') d.afterRead(s.completed, s.mid);
      else if (s.t === 'pause') d.hold();
      else if (s.t === 'resume') d.release();
      else vi.advanceTimersByTime(s.ms);
    }
    d.stop();
    return fired;
  };

  it('fires exactly when a begun request has overstayed, and only once', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const fired = run(steps);
        const want = modelExpiry(steps);
        expect(fired).toEqual(want === null ? [] : [want]);
      }),
      { numRuns: 500 },
    );
  });

  it('never cuts a sender that completes a request in every read, however long it streams', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: T - 1 }), { maxLength: 60 }), (gaps) => {
        const steps: Step[] = gaps.flatMap((ms) => [
          { t: 'read', completed: 1, mid: true },
          { t: 'wait', ms },
        ]);
        expect(run(steps)).toEqual([]);
      }),
    );
  });

  it('cuts a dribbling sender at the timeout, counted from its first byte', () => {
    // A byte every 100 ms, never a whole request: the idle timeout would never see it.
    const steps: Step[] = Array.from({ length: 30 }, () => [
      { t: 'read' as const, completed: 0, mid: true },
      { t: 'wait' as const, ms: 100 },
    ]).flat();
    expect(run(steps)).toEqual([T]);
  });

  it('stops the clock while paused (backpressure) and gives a full timeout on resume', () => {
    const steps: Step[] = [
      { t: 'read', completed: 0, mid: true },
      { t: 'wait', ms: T - 1 },
      { t: 'pause' },
      { t: 'wait', ms: 10 * T },
      { t: 'resume' },
      { t: 'wait', ms: T - 1 },
    ];
    expect(run(steps)).toEqual([]);
    expect(run([...steps, { t: 'wait', ms: 1 }])).toEqual([12 * T - 1]);
  });

  it('never fires after stop, and rejects a timeout that is not positive', () => {
    const fired: number[] = [];
    const d = new RequestDeadline(
      T,
      () => fired.push(1),
      () => Date.now(),
    );
    d.afterRead(0, true);
    expect(d.running).toBe(true);
    d.stop();
    d.afterRead(0, true);
    vi.advanceTimersByTime(5 * T);
    expect(fired).toEqual([]);
    expect(d.running).toBe(false);
    expect(() => new RequestDeadline(0, () => undefined)).toThrow(RangeError);
  });
});
