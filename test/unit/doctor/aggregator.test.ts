/**
 * The collector's tally: sampling per window, the bound on senders, merging of keys that
 * name one sender, and a drain that forgets everything.
 */
import { describe, expect, it } from 'vitest';
import { adviseSender } from '../../../api/doctor/advice.js';
import {
  RECENT_CHUNKS,
  TraitAggregator,
  type Drained,
} from '../../../collector/doctor/aggregator.js';
import { decodeRequest } from '../../../collector/forward/decode.js';
import { ForwardFramer } from '../../../collector/forward/framer.js';
import { parseSyslog } from '../../../collector/syslog/parse.js';
import {
  arr,
  cat,
  fixext8Time,
  fixture,
  limits,
  mapOf,
  pack,
  str,
} from '../../support/msgpack-bytes.js';

function dockerMessage(
  name: string,
  opts: { ack?: boolean; subsecond?: boolean; chunk?: string } = {},
) {
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
    opts.ack || opts.chunk
      ? mapOf([['chunk', str(opts.chunk ?? `c-${Math.random()}`)]])
      : mapOf([]),
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
      'resent=no',
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

/** The requests of a capture, observed in order, with a clock that ticks once per call. */
function observeCapture(agg: TraitAggregator, name: string): number {
  const frames = new ForwardFramer(1 << 20).push(fixture(name));
  for (const f of frames)
    agg.observeForward(f, decodeRequest(f, 'msgpack', limits), 'msgpack', 'forward-tcp');
  return frames.length;
}

/** The one sender of a drain, as the API would read it back (store.ts, migration 005). */
function advised(d: Drained) {
  const s = d.senders[0]!;
  return adviseSender({
    ...s,
    address: '127.0.0.1:24224',
    firstSeen: new Date(s.firstSeen).toISOString(),
    lastSeen: new Date(s.lastSeen).toISOString(),
    traits: d.traits.map(({ trait, value, count, lastAt }) => ({ trait, value, count, lastAt })),
  });
}

describe('resent chunks: the trait that makes the ack race certain', () => {
  it("fluentd-ack-race.bin (Docker's ack race, captured): every resend is noted, sampled or not", () => {
    let t = 0;
    const agg = new TraitAggregator({ clock: () => ++t });
    const frames = new ForwardFramer(1 << 20).push(fixture('fluentd-ack-race.bin'));
    const chunks = frames.map((f) => decodeRequest(f, 'msgpack', limits).option?.chunk);
    expect(observeCapture(agg, 'fluentd-ack-race.bin')).toBe(40);
    const d = agg.drain();
    expect(d.senders).toEqual([
      expect.objectContaining({ sender: 'container:web-race', events: 40 }),
    ]);
    const count = (value: string) =>
      d.traits.find((x) => x.trait === 'resent' && x.value === value)?.count ?? 0;
    // 40 requests carrying 3 chunks: 37 resends, each noted though only 8 are sampled.
    expect(new Set(chunks).size).toBe(3);
    expect(count('yes')).toBe(37);
    const firstEight = chunks.slice(0, 8);
    expect(count('no')).toBe(firstEight.filter((c, i) => firstEight.indexOf(c) === i).length);

    const sender = advised(d);
    expect(sender.traits).toMatchObject({ docker: 'yes', ack: 'yes', resent: 'yes' });
    const race = sender.findings.find((f) => f.id === 'forward-docker-ack-race');
    expect(race?.why).toMatch(/^Seen here: this container sent chunks again/);
    expect(race?.fix.docker_run).not.toContain('request-ack');
  });

  it('a Docker sender without acks is never resent; re-created so, it wins over the race', () => {
    let t = 0;
    const agg = new TraitAggregator({ clock: () => ++t });
    observeCapture(agg, 'fluentd-ack-race.bin');
    const race = agg.drain();
    // The same container name in the next window, now with the default options (no chunk).
    const fixed = dockerMessage('web-race');
    agg.observeForward(fixed.frame, fixed.req, 'msgpack', 'forward-tcp');
    const next = agg.drain();
    // As the store keeps them: both windows' counts, each value's latest time.
    const sender = advised({ ...next, traits: [...race.traits, ...next.traits] });
    expect(sender.traits).toMatchObject({ ack: 'no', resent: 'no' });
    expect(sender.findings.map((f) => f.id)).not.toContain('forward-docker-ack-race');
  });

  it('acked requests with fresh chunks are not resends; one repeated is, across connections', () => {
    const agg = new TraitAggregator();
    for (let i = 0; i < 20; i++) {
      const { frame, req } = dockerMessage('web', { chunk: `c${i}` });
      agg.observeForward(frame, req, 'msgpack', 'forward-tcp');
    }
    let d = agg.drain();
    expect(d.traits.filter((x) => x.trait === 'resent').map((x) => x.value)).toEqual(['no']);
    for (const listener of ['forward-tcp', 'forward-tls']) {
      const { frame, req } = dockerMessage('web', { chunk: 'again' });
      agg.observeForward(frame, req, 'msgpack', listener);
    }
    d = agg.drain();
    expect(d.traits.find((x) => x.trait === 'resent' && x.value === 'yes')?.count).toBe(1);
  });

  it(`remembers at most ${RECENT_CHUNKS} chunk ids per sender: an old one comes back unnoticed`, () => {
    const agg = new TraitAggregator({ samplesPerWindow: 1000 });
    for (let i = 0; i <= RECENT_CHUNKS; i++) {
      const { frame, req } = dockerMessage('web', { chunk: `c${i}` });
      agg.observeForward(frame, req, 'msgpack', 'forward-tcp');
    }
    const { frame, req } = dockerMessage('web', { chunk: 'c0' });
    agg.observeForward(frame, req, 'msgpack', 'forward-tcp');
    expect(agg.drain().traits.some((x) => x.trait === 'resent' && x.value === 'yes')).toBe(false);
  });
});
