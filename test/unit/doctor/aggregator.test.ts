/**
 * The collector's tally: sampling per window, the bound on senders, merging of keys that
 * name one sender, and a drain that forgets everything.
 */
import { describe, expect, it } from 'vitest';
import { TraitAggregator } from '../../../collector/doctor/aggregator.js';
import { decodeRequest } from '../../../collector/forward/decode.js';
import { parseSyslog } from '../../../collector/syslog/parse.js';
import { arr, cat, fixext8Time, limits, mapOf, pack, str } from '../../support/msgpack-bytes.js';

function dockerMessage(name: string, opts: { ack?: boolean; subsecond?: boolean } = {}) {
  const frame = cat(
    arr(4),
    str(name.slice(0, 12)),
    opts.subsecond ? fixext8Time(1_700_000_000, 5) : pack(1_700_000_000),
    mapOf([
      ['container_id', str('a'.repeat(64))],
      ['container_name', str(`/${name}`)],
      ['source', str('stdout')],
      ['log', str('line')],
    ]),
    opts.ack ? mapOf([['chunk', str(`c-${Math.random()}`)]]) : mapOf([]),
  );
  return { frame, req: decodeRequest(frame, 'msgpack', limits) };
}

const syslogCtx = { receivedAt: Date.UTC(2026, 10, 28), timezone: 'UTC' };
function syslogLine(s: string) {
  const b = Buffer.from(s);
  return { b, m: parseSyslog(b, syslogCtx) };
}

function clock(start = 1_000) {
  let t = start;
  return { now: () => t, set: (v: number) => (t = v) };
}

describe('TraitAggregator', () => {
  it('counts every event, derives traits only for the first samplesPerWindow requests', () => {
    const c = clock();
    const agg = new TraitAggregator({ samplesPerWindow: 3, clock: c.now });
    for (let i = 0; i < 10; i++) {
      const { frame, req } = dockerMessage('web');
      agg.observeForward(frame, req, 'msgpack', 'forward-tcp');
    }
    const d = agg.drain();
    expect(d.senders).toEqual([
      expect.objectContaining({
        source: 'forward',
        sender: 'container:web',
        containerName: 'web',
        listener: 'forward-tcp',
        events: 10,
      }),
    ]);
    const ack = d.traits.find((t) => t.trait === 'ack');
    expect(ack).toMatchObject({ value: 'no', count: 3 });
    expect(d.traits.map((t) => `${t.trait}=${t.value}`).sort()).toEqual([
      'ack=no',
      'compose=no',
      'docker=yes',
      'mode=message',
      'partial=no',
      'time=integer',
    ]);
  });

  it('keeps when each value was seen last, so a changed configuration wins', () => {
    const c = clock(1_000);
    const agg = new TraitAggregator({ clock: c.now });
    const old = dockerMessage('web');
    agg.observeForward(old.frame, old.req, 'msgpack', 'forward-tcp');
    c.set(2_000);
    const fixed = dockerMessage('web', { ack: true, subsecond: true });
    agg.observeForward(fixed.frame, fixed.req, 'msgpack', 'forward-tcp');
    const byKey = Object.fromEntries(
      agg.drain().traits.map((t) => [`${t.trait}=${t.value}`, t.lastAt]),
    );
    expect(byKey['ack=no']).toBe(1_000);
    expect(byKey['ack=yes']).toBe(2_000);
    expect(byKey['time=event-time']).toBe(2_000);
  });

  it('drain forgets everything: the next window starts empty and samples again', () => {
    const agg = new TraitAggregator({ samplesPerWindow: 1 });
    const { frame, req } = dockerMessage('web');
    agg.observeForward(frame, req, 'msgpack', 'forward-tcp');
    agg.observeForward(frame, req, 'msgpack', 'forward-tcp');
    expect(agg.drain().traits.find((t) => t.trait === 'ack')?.count).toBe(1);
    expect(agg.size).toBe(0);
    expect(agg.drain()).toEqual({ senders: [], traits: [], overflow: 0 });
    agg.observeForward(frame, req, 'msgpack', 'forward-tcp');
    expect(agg.drain().traits.find((t) => t.trait === 'ack')?.count).toBe(1);
  });

  it('past maxSenders, new senders are counted as overflow and not tracked', () => {
    const agg = new TraitAggregator({ maxSenders: 3 });
    for (let i = 0; i < 5; i++) {
      const { frame, req } = dockerMessage(`c${i}`);
      agg.observeForward(frame, req, 'msgpack', 'forward-tcp');
      agg.observeForward(frame, req, 'msgpack', 'forward-tcp');
    }
    for (const s of ['<13>Nov 28 06:23:47 vm a: x', '<13>Nov 28 06:23:47 vm b: x']) {
      const { b, m } = syslogLine(s);
      agg.observeSyslog(b, m, 'syslog-udp');
    }
    expect(agg.size).toBe(3);
    const d = agg.drain();
    expect(d.senders.map((s) => s.sender)).toEqual([
      'container:c0',
      'container:c1',
      'container:c2',
    ]);
    expect(d.overflow).toBe(2 * 2 + 2);
    // Room again after the drain.
    const { frame, req } = dockerMessage('c4');
    agg.observeForward(frame, req, 'msgpack', 'forward-tcp');
    expect(agg.drain().senders.map((s) => s.sender)).toEqual(['container:c4']);
  });

  it('syslog: consecutive lines of one sender, and interleaved senders, are tallied apart', () => {
    const agg = new TraitAggregator();
    const lines = [
      '<30>Nov 28 06:23:47 4a638af11575[29811]: one',
      '<30>Nov 28 06:23:47 4a638af11575[29811]: two',
      '<13>Nov 28 06:23:47 vm myapp: three',
      '<27>Nov 28 06:23:47 4a638af11575[29811]: four',
    ];
    for (const s of lines) {
      const { b, m } = syslogLine(s);
      agg.observeSyslog(b, m, 'syslog-udp');
    }
    const d = agg.drain();
    expect(d.senders.map((s) => [s.sender, s.events])).toEqual([
      ['app:myapp@vm', 1],
      ['id:4a638af11575', 3],
    ]);
  });

  it('one tag from two hosts is two senders, however the lines interleave', () => {
    const agg = new TraitAggregator();
    for (let i = 0; i < 3; i++)
      for (const host of ['vm1', 'vm2']) {
        const { b, m } = syslogLine(`<13>Nov 28 06:23:47 ${host} myapp: x`);
        agg.observeSyslog(b, m, 'syslog-udp');
      }
    expect(agg.size).toBe(2);
    expect(agg.drain().senders.map((s) => [s.sender, s.host, s.events])).toEqual([
      ['app:myapp@vm1', 'vm1', 3],
      ['app:myapp@vm2', 'vm2', 3],
    ]);
  });

  it('two in-memory senders that name one stored sender are merged (one row per key)', () => {
    const agg = new TraitAggregator();
    // One container under two tags ({{.Name}}/{{.ID}} of a re-created container).
    for (const s of [
      '<30>Nov 28 06:23:47 web/4a638af11575[29811]: one',
      '<30>Nov 28 06:23:47 web/5b749bf22686[29811]: two',
    ]) {
      const { b, m } = syslogLine(s);
      agg.observeSyslog(b, m, 'syslog-tcp');
    }
    const d = agg.drain();
    expect(d.senders).toHaveLength(1);
    expect(d.senders[0]).toMatchObject({ sender: 'container:web', events: 2 });
    expect(d.traits.find((t) => t.trait === 'docker')).toMatchObject({ value: 'yes', count: 2 });
    const keys = d.traits.map((t) => `${t.sender}|${t.trait}|${t.value}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('requests with no event (all skipped) are ignored', () => {
    const agg = new TraitAggregator();
    const frame = cat(arr(3), str('t'), arr(0), mapOf([]));
    agg.observeForward(frame, decodeRequest(frame, 'msgpack', limits), 'msgpack', 'forward-tcp');
    expect(agg.size).toBe(0);
  });
});
