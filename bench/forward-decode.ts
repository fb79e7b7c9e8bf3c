/**
 * Forward request decode speed (events/s), against msgpackr's plain unpack of the same
 * bytes as the ceiling measured in the same run (msgpackr does less: no normalization, and
 * it would decode a PackedForward str payload as UTF-8, which we must not).
 *
 *   npx tsx bench/forward-decode.ts
 *
 * Docker-shaped records (docs/architecture.md, "Ingest: the fluentd forward protocol");
 * seeded, so every run decodes the same bytes.
 */
import { gzipSync } from 'node:zlib';
import { Packr, Unpackr } from 'msgpackr';
import { decodeRequest } from '../collector/forward/decode.js';
import { ForwardFramer } from '../collector/forward/framer.js';
import type { DecodeLimits } from '../collector/forward/types.js';

const packr = new Packr({ useRecords: false, variableMapSize: true });
const unpackr = new Unpackr({ mapsAsObjects: true, int64AsType: 'string', useRecords: false });
const limits: DecodeLimits = { maxDecompressedBytes: 64 << 20, maxDepth: 64 };

let seed = 42;
function rand(): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
}
const hex = (n: number) =>
  Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(rand() * 16)]).join('');
const containerId = hex(64);

function dockerRecord(i: number): Record<string, string> {
  const words = [
    'GET',
    '/api/v1/items',
    'HTTP/1.1',
    '200',
    'user=alice',
    'took=12ms',
    'cache=miss',
  ];
  const line = `2024-05-01T12:00:00.${String(i % 1000).padStart(3, '0')}Z INFO ${words
    .map((w) => (rand() < 0.5 ? w : w.toUpperCase()))
    .join(' ')} request_id=${hex(16)}`;
  return {
    container_id: containerId,
    container_name: '/web',
    source: i % 3 ? 'stdout' : 'stderr',
    log: line,
  };
}

/** EventTime as fixext8, the way Docker sends it with sub-second precision. */
function eventTime(sec: number, nsec: number): Buffer {
  const b = Buffer.alloc(10);
  b[0] = 0xd7;
  b[1] = 0x00;
  b.writeUInt32BE(sec, 2);
  b.writeUInt32BE(nsec, 6);
  return b;
}

function messageFrame(i: number): Buffer {
  // [tag, EventTime, record, {chunk}]
  return Buffer.concat([
    Buffer.from([0x94]),
    packr.pack(containerId.slice(0, 12)),
    eventTime(1714564800 + i, 123456789),
    packr.pack(dockerRecord(i)),
    packr.pack({ chunk: 'cXMKawAAAACQf1RIzE2VZQ==' }),
  ]);
}

function packedFrame(n: number, compressed: boolean): Buffer {
  const entries = Buffer.concat(
    Array.from({ length: n }, (_, i) =>
      Buffer.concat([
        Buffer.from([0x92]),
        eventTime(1714564800 + i, i),
        packr.pack(dockerRecord(i)),
      ]),
    ),
  );
  const payload = compressed ? gzipSync(entries) : entries;
  // Fluentd's out_forward sends the entries as str (str32 here), not bin.
  const head = Buffer.alloc(5);
  head[0] = compressed ? 0xc6 : 0xdb;
  head.writeUInt32BE(payload.length, 1);
  const option = packr.pack(
    compressed
      ? { chunk: 'p8n9gmxTQVC8/nh2wlKKeQ==', size: n, compressed: 'gzip' }
      : { chunk: 'p8n9gmxTQVC8/nh2wlKKeQ==', size: n },
  );
  return Buffer.concat([Buffer.from([0x93]), packr.pack('app.web'), head, payload, option]);
}

/**
 * Events per second of `ours` and of `ceiling` (each returns the events it decoded): short
 * rounds of each, interleaved, best round kept, so a neighbour's burst on a shared machine
 * hits both sides alike.
 */
function race(
  ours: () => number,
  ceiling: () => number,
  rounds = 9,
  roundMs = 200,
): [number, number] {
  const best = [0, 0];
  const fns = [ours, ceiling];
  for (const fn of fns) {
    const warmEnd = performance.now() + 200;
    while (performance.now() < warmEnd) fn();
  }
  for (let r = 0; r < rounds; r++) {
    fns.forEach((fn, i) => {
      let events = 0;
      const start = performance.now();
      let now = start;
      while (now - start < roundMs) {
        events += fn();
        now = performance.now();
      }
      best[i] = Math.max(best[i]!, (events / (now - start)) * 1000);
    });
  }
  return [best[0]!, best[1]!];
}

const messages = Array.from({ length: 1000 }, (_, i) => messageFrame(i));
const stream = Buffer.concat(messages);
const packed = packedFrame(1000, false);
const gz = packedFrame(1000, true);

// The msgpackr ceiling for PackedForward decodes the entries alone (the str payload must not be
// decoded as text, so msgpackr cannot take the whole request).
const entriesOnly = Buffer.concat(
  Array.from({ length: 1000 }, (_, i) =>
    Buffer.concat([Buffer.from([0x92]), eventTime(1714564800 + i, i), packr.pack(dockerRecord(i))]),
  ),
);

const rows: [string, number, number][] = [];
const row = (name: string, ours: () => number, ceiling: () => number) =>
  rows.push([name, ...race(ours, ceiling)]);

row(
  'Message (1 Docker event / request)',
  () => {
    let n = 0;
    for (const f of messages) n += decodeRequest(f, 'msgpack', limits).events.length;
    return n;
  },
  () => {
    for (const f of messages) unpackr.unpack(f);
    return messages.length;
  },
);
row(
  'Message stream: framer + decode, 64 KiB reads',
  () => {
    const framer = new ForwardFramer(1 << 20);
    let n = 0;
    for (let off = 0; off < stream.length; off += 65536) {
      for (const f of framer.push(stream.subarray(off, off + 65536))) {
        n += decodeRequest(f, 'msgpack', limits).events.length;
      }
    }
    return n;
  },
  () => unpackr.unpackMultiple(stream)?.length ?? 0,
);
row(
  'PackedForward (1000 Docker entries, str)',
  () => decodeRequest(packed, 'msgpack', limits).events.length,
  () => unpackr.unpackMultiple(entriesOnly)?.length ?? 0,
);
row(
  'CompressedPackedForward (1000, gzip)',
  () => decodeRequest(gz, 'msgpack', limits).events.length,
  () => unpackr.unpackMultiple(entriesOnly)?.length ?? 0,
);

const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(12);
console.log(
  `${'case'.padEnd(48)} ${'ours ev/s'.padStart(12)} ${'msgpackr ev/s'.padStart(14)}  ratio`,
);
for (const [name, ours, ceiling] of rows) {
  console.log(
    `${name.padEnd(48)} ${fmt(ours)} ${fmt(ceiling).padStart(14)}  ${(ours / ceiling).toFixed(2)}`,
  );
}
console.log(
  `\n(request sizes: message ${messages[0]!.length} B, packed ${packed.length} B, gzip ${gz.length} B)`,
);
