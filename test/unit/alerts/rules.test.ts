/**
 * Rule evaluation, pure (api/alerts/rules.ts through rule-set.ts): records and a
 * hand-driven clock in, notifications out. Each case is an edge of one rule: the first
 * match, grouping under the rate limit, a threshold's window sliding, episodes and their
 * "resolved", silence, and a checkpoint taken mid-episode carried on by a new evaluator.
 */
import { describe, expect, it } from 'vitest';
import type { StoredRecord } from '../../../core/record.js';
import { RuleSet, type Notice } from '../../../api/alerts/rule-set.js';
import type { Rule, StoredAlert } from '../../../api/alerts/spec.js';

const T0 = Date.parse('2030-01-01T00:00:00.000Z');

class Clock {
  t = T0;
  now = () => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

let nextId = 1;
function rec(message: string, at: number, container = 'web'): StoredRecord {
  const iso = new Date(at).toISOString();
  return {
    id: String(nextId++),
    ts: iso.replace('Z', '000000Z'),
    received_at: iso.replace('Z', '000Z'),
    source: 'forward',
    host: null,
    container_id: null,
    container_name: container,
    stream: 'stdout',
    tag: null,
    app: null,
    project: null,
    service: null,
    severity: message.includes('error') ? 3 : 6,
    facility: null,
    message,
    attrs: null,
  };
}

function alert(rule: Rule, o: Partial<StoredAlert> = {}): StoredAlert {
  return {
    id: '1',
    name: 'a',
    query: rule.kind === 'absence' ? '' : 'level>=error',
    rule,
    minIntervalMs: 0,
    webhooks: [],
    enabled: true,
    revision: 1,
    createdAt: T0,
    revisedAt: T0,
    updatedAt: T0,
    ...o,
  };
}

function setup(a: StoredAlert) {
  const clock = new Clock();
  const set = new RuleSet(clock.now);
  set.set([a]);
  const seen: Notice[] = [];
  const send = (...msgs: string[]) => {
    set.records(msgs.map((m) => rec(m, clock.t)));
    seen.push(...set.take());
  };
  const tick = (ms: number) => {
    clock.advance(ms);
    set.tick();
    seen.push(...set.take());
  };
  return { clock, set, seen, send, tick };
}

const brief = (n: Notice[]) => n.map((x) => `${x.kind}:${x.payload.count}`);

describe('any match', () => {
  it('notifies the first match at once, with the record as a sample', () => {
    const { seen, send } = setup(alert({ kind: 'any' }, { minIntervalMs: 60_000 }));
    send('all good');
    expect(seen).toEqual([]);
    send('error: disk full', 'fine');
    expect(brief(seen)).toEqual(['firing:1']);
    expect(seen[0]!.payload.samples.map((s) => s.message)).toEqual(['error: disk full']);
    expect(seen[0]!.payload.text).toBe('logharbor alert "a" 1 match of level>=error');
  });

  it('holds matches within min_interval and sends them as one, with a count and samples', () => {
    const { seen, send, tick } = setup(alert({ kind: 'any' }, { minIntervalMs: 10_000 }));
    send('error 1');
    for (let i = 2; i <= 9; i++) {
      tick(1000);
      send(`error ${i}`);
    }
    expect(brief(seen)).toEqual(['firing:1']);
    tick(1999);
    expect(brief(seen)).toEqual(['firing:1']);
    tick(1);
    expect(brief(seen)).toEqual(['firing:1', 'firing:8']);
    expect(seen[1]!.payload.samples.map((s) => s.message)).toEqual([
      'error 2',
      'error 3',
      'error 4',
      'error 5',
      'error 6',
    ]);
    // Keys differ (each group is named by its first record), so both are stored.
    expect(new Set(seen.map((n) => n.key)).size).toBe(2);
    // Quiet afterwards: nothing more, and the next match is notified at once again.
    tick(30_000);
    send('error 10');
    expect(brief(seen)).toEqual(['firing:1', 'firing:8', 'firing:1']);
  });

  it('with min_interval 0 notifies every batch of matches', () => {
    const { seen, send } = setup(alert({ kind: 'any' }));
    send('error a', 'error b');
    send('error c');
    expect(brief(seen)).toEqual(['firing:2', 'firing:1']);
  });
});

describe('more than N within a window', () => {
  const rule: Rule = { kind: 'threshold', moreThan: 3, withinMs: 60_000 };

  it('fires when the count passes N, once per episode, and resolves when it falls back', () => {
    const { seen, send, tick } = setup(alert(rule));
    send('error', 'error', 'error');
    expect(seen).toEqual([]);
    tick(10_000);
    send('error');
    expect(brief(seen)).toEqual(['firing:4']);
    expect(seen[0]!.payload.text).toContain('FIRING: 4 matches of level>=error within 1m');
    // Still above: no second firing.
    tick(10_000);
    send('error', 'error');
    expect(brief(seen)).toEqual(['firing:4']);
    // The first three leave the window (now - 60 s, now] 60 s after they came: 3 left.
    tick(39_999);
    expect(brief(seen)).toEqual(['firing:4']);
    tick(1);
    expect(brief(seen)).toEqual(['firing:4', 'resolved:6']);
    expect(seen[1]!.payload.text).toContain('RESOLVED: 3 or fewer matches within 1m again');
    expect(seen[1]!.key).toBe('1:1:resolved');
    expect(seen[0]!.key).toBe('1:1:firing');
  });

  it('counts by received_at: old records replayed late do not count', () => {
    const { clock, set, seen } = setup(alert(rule));
    set.records([0, 1, 2, 3, 4].map((i) => rec('error', clock.t - 120_000 + i)));
    seen.push(...set.take());
    expect(seen).toEqual([]);
  });

  it('under min_interval, a new episode waits; one that ends first is counted as suppressed', () => {
    const { seen, send, tick } = setup(alert(rule, { minIntervalMs: 300_000 }));
    send('error', 'error', 'error', 'error');
    tick(62_000);
    expect(brief(seen)).toEqual(['firing:4', 'resolved:4']);
    // A short episode inside the interval: neither its firing nor its resolved is sent.
    send('error', 'error', 'error', 'error');
    tick(62_000);
    expect(brief(seen)).toEqual(['firing:4', 'resolved:4']);
    // Another, that lasts past the interval: fired late (with the count in the window
    // then), saying one went unnotified.
    tick(100_000);
    send('error', 'error', 'error', 'error');
    tick(50_000);
    send('error', 'error', 'error', 'error');
    expect(brief(seen)).toEqual(['firing:4', 'resolved:4']);
    tick(30_000);
    expect(brief(seen)).toEqual(['firing:4', 'resolved:4', 'firing:4']);
    expect(seen[2]!.payload.suppressed).toBe(1);
    expect(seen[2]!.payload.text).toContain('1 earlier episode not notified');
  });
});

describe('no line from a container', () => {
  const rule: Rule = { kind: 'absence', container: 'web', forMs: 30_000 };

  it('fires after the silence, resolves at the next line, and waits for the first reading', () => {
    const { clock, set, seen, tick } = setup(alert(rule));
    set.seen('web', T0);
    tick(31_000);
    // Not primed yet: the containers' last lines have not been read.
    expect(seen).toEqual([]);
    set.prime();
    tick(0);
    expect(brief(seen)).toEqual(['firing:null']);
    expect(seen[0]!.payload.text).toContain('no line from container web for 30s');
    tick(60_000);
    expect(seen).toHaveLength(1);
    // Another container's line changes nothing; web's ends the episode.
    set.records([rec('hello', clock.t, 'db')]);
    seen.push(...set.take());
    expect(seen).toHaveLength(1);
    set.records([rec('back', clock.t, 'web')]);
    seen.push(...set.take());
    expect(brief(seen)).toEqual(['firing:null', 'resolved:null']);
    expect(seen[1]!.payload.text).toContain('logs again after 1m 31s of silence');
  });

  it('counts silence from the alert itself for a container never seen', () => {
    const { set, seen, tick } = setup(alert(rule, { revisedAt: T0 + 10_000 }));
    set.prime();
    tick(35_000);
    expect(seen).toEqual([]);
    tick(6_000);
    expect(brief(seen)).toEqual(['firing:null']);
    expect(seen[0]!.payload.last_seen).toBeNull();
  });
});

describe('a checkpoint carried on by another evaluator', () => {
  it('a threshold episode restored mid-way is not fired again and still resolves', () => {
    const a = alert({ kind: 'threshold', moreThan: 1, withinMs: 10_000 });
    const first = setup(a);
    first.send('error', 'error');
    expect(brief(first.seen)).toEqual(['firing:2']);
    const saved = first.set.snapshots();
    expect(saved).toHaveLength(1);
    expect(first.set.snapshots()).toEqual([]); // nothing changed since

    // A new process (its own clock, a little later) carries on from the saved state.
    const clock = new Clock();
    clock.t = first.clock.t + 2000;
    const second = new RuleSet(clock.now);
    second.set([a], new Map(saved.map((s) => [s.alert_id, s])));
    expect(second.status('1')).toEqual({ firing: true, since: T0 });
    second.records([rec('error', clock.t)]);
    second.tick();
    expect(second.take()).toEqual([]);
    clock.advance(10_500);
    second.tick();
    const out = second.take();
    expect(out.map((n) => [n.kind, n.key])).toEqual([['resolved', '1:1:resolved']]);
  });

  it('a changed alert (new revision) starts afresh; an unchanged one keeps its engine', () => {
    const a = alert({ kind: 'threshold', moreThan: 0, withinMs: 10_000 });
    const { set, seen, send } = setup(a);
    send('error');
    expect(brief(seen)).toEqual(['firing:1']);
    set.set([{ ...a, name: 'renamed' }]);
    expect(set.status('1')?.firing).toBe(true);
    set.set([{ ...a, revision: 2, query: 'timeout' }]);
    expect(set.status('1')?.firing).toBe(false);
    set.set([]);
    expect(set.status('1')).toBeNull();
  });
});

describe('queries', () => {
  it('use the predicate of the live tail (a field, a regex, negation)', () => {
    const { seen, send } = setup(
      alert({ kind: 'any' }, { query: 'container:web /time(d )?out/ -retry' }),
    );
    send('timeout, retry 1', 'connection timed out', 'timeout');
    expect(seen[0]!.payload.samples.map((s) => s.message)).toEqual([
      'connection timed out',
      'timeout',
    ]);
  });
});
