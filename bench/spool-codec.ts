/**
 * The spool's unit codec (collector/spool/unit-codec.ts) against msgpackr and JSON on the
 * same write units: encode and decode records/s, and bytes per record. Then the spool's append
 * path: appends/s and fdatasync latency per sync policy and number of concurrent appenders.
 *
 *   npx tsx bench/spool-codec.ts [codec] [append]      (both when neither is named)
 *
 * Units of 1, 10 and 50 records shaped as the forward source makes them from Docker's fluentd
 * driver: seeded lines (nginx access, JSON, logfmt, Java; ~140 bytes), one container per unit
 * (64-hex id, name, compose project and service labels in attrs, now and then a third).
 * Every codec's decode is checked to give back the unit it was given.
 */
import assert from 'node:assert/strict';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Packr } from 'msgpackr';
import { silentLogger } from '../core/log.js';
import { Spool, type SpoolSync } from '../collector/spool/spool.js';
import type { LogRecord } from '../core/record.js';
import type { WriteUnit } from '../collector/writer/unit.js';
import { decodeUnit, encodeUnit } from '../collector/spool/unit-codec.js';
import { fsyncLoopRate } from './lib/fsync-loop.js';

/** mulberry32: a seeded generator, so every run encodes the same units. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const r = rng(7);
const int = (m: number) => Math.floor(r() * m);
const pick = <T>(a: readonly T[]): T => a[int(a.length)]!;
const hex = (n: number) => Array.from({ length: n }, () => int(16).toString(16)).join('');
const WORDS = 'order cart payment user session cache upstream request timeout refused retry'.split(
  ' ',
);
const PATHS = ['/api/v1/orders', '/api/v1/cart', '/api/v2/users?id=42', '/healthz', '/metrics'];
const LEVELS = ['debug', 'info', 'info', 'info', 'warn', 'error'];
const SERVICES = ['web', 'api', 'worker', 'db', 'cache'];

/** One log line in a shape containers print: nginx access, JSON, logfmt, Java. */
function line(i: number): string {
  const ts = `2025-11-24T16:${String(i % 60).padStart(2, '0')}:00.${String(i % 1000).padStart(3, '0')}Z`;
  const words = Array.from({ length: 3 + int(5) }, () => pick(WORDS)).join(' ');
  switch (i % 4) {
    case 0:
      return `10.0.${int(256)}.${int(256)} - - [24/Nov/2025:16:00:00 +0000] "GET ${pick(PATHS)} HTTP/1.1" ${pick([200, 200, 304, 404, 502])} ${int(9000)} "-" "curl/8.5.0" rt=0.${int(999)}`;
    case 1:
      return `{"level":"${pick(LEVELS)}","ts":"${ts}","msg":"${words}","trace_id":"${hex(32)}","duration_ms":${int(900)}.${int(9)}}`;
    case 2:
      return `time=${ts} level=${pick(LEVELS)} msg="${words}" request_id=${hex(16)} attempt=${int(4)} user=user${int(5000)}`;
    default:
      return `${ts} ${pick(LEVELS).toUpperCase()} [http-nio-8080-exec-${int(40)}] c.e.shop.OrderController - ${words} id=${int(1e6)}`;
  }
}
const lines = Array.from({ length: 5000 }, (_, i) => line(i));

function unit(size: number, u: number): WriteUnit {
  const id = hex(64);
  const service = SERVICES[u % SERVICES.length]!;
  const base = 1_764_000_000 + u;
  const records: LogRecord[] = Array.from({ length: size }, (_, i) => ({
    tsSec: base + Math.floor(i / 20),
    tsNano: Math.floor(r() * 1e9),
    receivedAt: base * 1000 + i,
    source: 'forward',
    host: null,
    containerId: id,
    containerName: `shop-${service}-1`,
    stream: r() < 0.8 ? 'stdout' : 'stderr',
    tag: id.slice(0, 12),
    app: null,
    project: 'shop',
    service,
    severity: null,
    facility: null,
    message: lines[(u * size + i) % lines.length]!,
    attrs: {
      'com.docker.compose.project': 'shop',
      'com.docker.compose.service': service,
      ...(i % 7 === 0 ? { partial_parts: 2 } : {}),
    },
  }));
  return { records, chunk: Buffer.from(hex(32), 'hex').toString('base64') };
}

interface Codec {
  name: string;
  encode: (u: WriteUnit) => Buffer;
  decode: (b: Buffer) => WriteUnit;
}

const packr = new Packr({ useRecords: false });
// Record structures written into each message: decodable by another process, as a spool needs.
const packrRecords = new Packr({ useRecords: true });
// Structures shared between messages: faster and smaller, but a payload then decodes only with
// the structures the encoder built (they would have to be stored beside the spool): the ceiling.
const packrShared = new Packr({ useRecords: true, structures: [] });
const codecs: Codec[] = [
  { name: 'unit-codec', encode: encodeUnit, decode: decodeUnit },
  {
    name: 'msgpackr (plain maps)',
    encode: (u) => packr.pack(u),
    decode: (b) => packr.unpack(b) as WriteUnit,
  },
  {
    name: 'msgpackr (records ext)',
    encode: (u) => packrRecords.pack(u),
    decode: (b) => packrRecords.unpack(b) as WriteUnit,
  },
  {
    name: 'msgpackr (shared structs)',
    encode: (u) => packrShared.pack(u),
    decode: (b) => packrShared.unpack(b) as WriteUnit,
  },
  {
    name: 'JSON',
    encode: (u) => Buffer.from(JSON.stringify(u)),
    decode: (b) => JSON.parse(b.toString()) as WriteUnit,
  },
];

/**
 * Records per second of each function: rounds of ~150 ms, the functions taking turns in every
 * round (a neighbour's burst on a shared machine hits all alike), the best round kept.
 */
function race(fns: (() => number)[], rounds = 9): number[] {
  const best = fns.map(() => 0);
  for (const fn of fns) {
    const warm = performance.now() + 150;
    while (performance.now() < warm) fn();
  }
  for (let round = 0; round < rounds; round++) {
    fns.forEach((fn, i) => {
      let n = 0;
      const start = performance.now();
      let now = start;
      while (now - start < 150) {
        n += fn();
        now = performance.now();
      }
      best[i] = Math.max(best[i]!, (n / (now - start)) * 1000);
    });
  }
  return best;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

function codecBench(): void {
  for (const size of [1, 10, 50]) {
    const units = Array.from({ length: 200 }, (_, u) => unit(size, u));
    const encoded = codecs.map((c) => units.map((u) => c.encode(u)));
    codecs.forEach((c, k) =>
      encoded[k]!.forEach((b, i) => assert.deepEqual(c.decode(b), units[i])),
    );
    let i = 0;
    const enc = race(codecs.map((c) => () => (c.encode(units[i++ % units.length]!), size)));
    const dec = race(
      codecs.map((c, k) => () => (c.decode(encoded[k]![i++ % units.length]!), size)),
    );
    console.log(`\nunits of ${size} record(s)`);
    console.log('codec                        encode rec/s   decode rec/s   bytes/record');
    codecs.forEach((c, k) => {
      const bytes = encoded[k]!.reduce((a, b) => a + b.length, 0) / (units.length * size);
      console.log(
        `${c.name.padEnd(27)} ${fmt(enc[k]!).padStart(13)} ${fmt(dec[k]!).padStart(14)} ${bytes.toFixed(1).padStart(14)}`,
      );
    });
  }
}

const pct = (xs: number[], p: number) =>
  xs.sort((a, b) => a - b)[Math.floor(p * (xs.length - 1))] ?? 0;

/** Every fdatasync the process makes is timed (the FileHandle prototype, wrapped once). */
async function timeDatasyncs(dir: string): Promise<number[]> {
  const probe = await open(path.join(dir, 'probe'), 'w');
  const proto = Object.getPrototypeOf(probe) as { datasync(): Promise<void> };
  await probe.close();
  const real = proto.datasync;
  const times: number[] = [];
  proto.datasync = async function (this: unknown) {
    const t = performance.now();
    await real.call(this);
    times.push(performance.now() - t);
  };
  return times;
}

/**
 * 'always': `appenders` loops of append + await durable, as connections waiting for their ack.
 * 'interval' / 'off': `appenders` appends per turn of the event loop (what many connections'
 * data events add up to), awaiting the last one's `durable`. For `ms`; releases keep the spool
 * small, as the writer's would.
 */
async function appendRun(dir: string, sync: SpoolSync, appenders: number, ms: number) {
  const spool = await Spool.open(
    { dir, sync, maxBytes: 4 * 2 ** 30, whenFull: 'pause', segmentBytes: 64 << 20 },
    silentLogger,
  );
  const payload = Buffer.alloc(300, 0x61);
  const latency: number[] = [];
  const releaser = setInterval(() => spool.release(spool.stats.durableSeq), 100);
  let n = 0;
  const end = performance.now() + ms;
  const start = performance.now();
  const loop = async () => {
    while (performance.now() < end) {
      const t = performance.now();
      const { durable } = spool.append(payload);
      n++;
      await durable;
      latency.push(performance.now() - t);
    }
  };
  const turns = async () => {
    while (performance.now() < end) {
      const t = performance.now();
      for (let i = 0; i < appenders - 1; i++) spool.append(payload);
      const { durable } = spool.append(payload);
      n += appenders;
      await durable;
      latency.push(performance.now() - t);
      await new Promise(setImmediate);
    }
  };
  if (sync === 'always') await Promise.all(Array.from({ length: appenders }, loop));
  else await turns();
  const elapsed = performance.now() - start;
  clearInterval(releaser);
  const { syncs, writes } = spool.stats;
  await spool.close();
  return { rate: (n / elapsed) * 1000, latency, syncs, writes, n };
}

async function appendBench(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'logharbor-spool-bench-'));
  try {
    const syncTimes = await timeDatasyncs(dir);
    const raw = await fsyncLoopRate(2, dir);
    syncTimes.length = 0;
    console.log(`\nspool append, 300-byte payloads, 64 MiB segments, in ${tmpdir()}`);
    console.log(`ceiling: pwrite + fdatasync in a loop: ${fmt(raw)}/s`);
    console.log(
      'sync      appenders   appends/s   MB/s   durable p50/p99 ms   fdatasyncs   per write   fdatasync p50/p99 ms',
    );
    const runs: [SpoolSync, number][] = [
      ['always', 1],
      ['always', 32],
      ['always', 1000],
      ['interval', 1000],
      ['off', 1000],
    ];
    for (const [sync, appenders] of runs) {
      syncTimes.length = 0;
      const r = await appendRun(path.join(dir, `${sync}-${appenders}`), sync, appenders, 3000);
      const mb = (r.rate * 304) / 1e6;
      const lat = `${pct(r.latency, 0.5).toFixed(2)}/${pct(r.latency, 0.99).toFixed(2)}`;
      const st = `${pct(syncTimes, 0.5).toFixed(2)}/${pct(syncTimes, 0.99).toFixed(2)}`;
      const per = (r.n / Math.max(r.syncs, r.writes)).toFixed(0);
      console.log(
        `${sync.padEnd(9)} ${String(appenders).padStart(9)} ${fmt(r.rate).padStart(11)} ${mb.toFixed(1).padStart(6)} ${lat.padStart(20)} ${String(r.syncs).padStart(12)} ${per.padStart(10)} ${st.padStart(22)}`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const parts = process.argv.slice(2);
if (parts.length === 0 || parts.includes('codec')) codecBench();
if (parts.length === 0 || parts.includes('append')) await appendBench();
