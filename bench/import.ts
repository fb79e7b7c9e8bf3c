/**
 * How fast `logharbor import` takes a large json-file log (README, "Logs Docker already
 * has"): a generated container folder (config.v2.json with Compose labels and one
 * `<id>-json.log` of --lines lines, stdout and stderr, 40-200 bytes of text, some JSON,
 * one line in 2,000 over 16 KiB so Docker's parts are joined), a real logharbor (dev/server.ts,
 * the current sources) on a fresh database of the shared benchmark PostgreSQL
 * (bench/lib/cluster.ts), and the real command (`node <build>/cli/main.js import
 * --no-state --quiet`).
 *
 *   npx tsx bench/import.ts [--lines 1000000] [--runs 3] [--gzip] [--window 4]
 *
 * Per run: lines/s and MB/s of log text (the file's bytes) until the import exits (every
 * request acked: in logharbor's spool) and until every line is committed to PostgreSQL,
 * and the CPU seconds of the import and of logharbor. Compared, in the same run, with
 * what bounds it from either side:
 *
 * - read only: the importer's own work (read, parse, build the requests) in this process
 *   with a stand-in client that acks at once: how fast it could go were logharbor free;
 * - live forward: the same logharbor right after, taking as many Docker-shaped events as
 *   PackedForward (1000 a request, 4 connections, 2 requests waiting each: the ingest
 *   benchmark's sender, bench/lib/ingest-run.ts): what it takes from a sender that has
 *   nothing to read.
 *
 * --gzip rotates the log into 1,000,000-line gzip files first, as Docker's `compress`
 * option leaves them.
 */
import { spawn } from 'node:child_process';
import {
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createGzip } from 'node:zlib';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { buildLogharbor } from '../dev/build.js';
import { cpuSecondsOf, selfCpuSeconds } from '../dev/proc.js';
import { planSets } from '../cli/import/command.js';
import { discover } from '../cli/import/discover.js';
import type { ForwardClient } from '../cli/import/forward-client.js';
import { Importer, newTally } from '../cli/import/importer.js';
import { Progress } from '../cli/import/progress.js';
import { ImportState } from '../cli/import/state.js';
import { startCluster } from './lib/cluster.js';
import { maxRun, withLogharbor } from './lib/ingest-run.js';
import { metric, waitWritten } from './lib/metrics.js';

const { values: args } = parseArgs({
  options: {
    lines: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
    gzip: { type: 'boolean', default: false },
    window: { type: 'string', default: '4' },
  },
});
const LINES = Number(args.lines);
const RUNS = Number(args.runs);
const ID = 'b'.repeat(64);

/** A deterministic log: ~1 ms apart, both streams, text and JSON lines, a few long ones. */
function* entries(n: number): Generator<string> {
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const words =
    'request served user cache miss timeout retry db query ok GET POST /api/orders'.split(' ');
  let ns = BigInt(Date.UTC(2026, 0, 1)) * 1_000_000n;
  let lines = 0;
  while (lines < n) {
    ns += BigInt(Math.floor(rnd() * 2_000_000));
    const time =
      new Date(Number(ns / 1_000_000n)).toISOString().replace(/\.\d+Z$/, '') +
      `.${
        String(ns % 1_000_000_000n)
          .padStart(9, '0')
          .replace(/0+$/, '') || '0'
      }Z`;
    const stream = rnd() < 0.2 ? 'stderr' : 'stdout';
    lines++;
    if (lines % 2000 === 0) {
      const long = 'L'.repeat(16384) + words.join(' ').repeat(200);
      yield `${JSON.stringify({ log: long.slice(0, 16384), stream, time })}\n`;
      yield `${JSON.stringify({ log: `${long.slice(16384)}\n`, stream, time })}\n`;
      continue;
    }
    let text: string;
    if (rnd() < 0.3) {
      text = JSON.stringify({
        level: rnd() < 0.1 ? 'error' : 'info',
        msg: words[lines % words.length],
        n: lines,
        took_ms: Math.floor(rnd() * 500),
      });
    } else {
      const k = 4 + Math.floor(rnd() * 25);
      text =
        `${lines} ` +
        Array.from({ length: k }, () => words[Math.floor(rnd() * words.length)]).join(' ');
    }
    yield `${JSON.stringify({ log: `${text}\n`, stream, time })}\n`;
  }
}

async function writeLog(dir: string): Promise<{ bytes: number; files: number }> {
  const c = path.join(dir, 'containers', ID);
  mkdirSync(c, { recursive: true });
  writeFileSync(
    path.join(c, 'config.v2.json'),
    JSON.stringify({
      ID,
      Name: '/bench-import',
      Config: {
        Image: 'bench',
        Labels: { 'com.docker.compose.project': 'bench', 'com.docker.compose.service': 'import' },
      },
      State: { Running: false },
    }),
  );
  const log = path.join(c, `${ID}-json.log`);
  if (!args.gzip) {
    await pipeline(Readable.from(entries(LINES)), createWriteStream(log));
    return { bytes: statSync(log).size, files: 1 };
  }
  // Rotated and compressed as Docker leaves them: .N.gz oldest first, the newest plain.
  const per = 1_000_000;
  const parts = Math.max(1, Math.ceil(LINES / per));
  let bytes = 0;
  const it = entries(LINES);
  for (let i = parts - 1; i >= 0; i--) {
    const chunk: string[] = [];
    let n = 0;
    for (
      let r = it.next();
      !r.done;
      r = n + 1 < per ? it.next() : { done: true, value: undefined }
    ) {
      chunk.push(r.value);
      n++;
      if (n >= per) break;
    }
    const text = chunk.join('');
    bytes += Buffer.byteLength(text);
    const file = i === 0 ? log : `${log}.${i}.gz`;
    if (i === 0) writeFileSync(file, text);
    else await pipeline(Readable.from([text]), createGzip(), createWriteStream(file));
  }
  return { bytes, files: parts };
}

/** The importer's own work, in this process, against a client that acks at once: seconds. */
async function readOnly(containers: string): Promise<number> {
  const client = {
    send: () => Promise.resolve({ acked: Promise.resolve() }),
    drain: () => Promise.resolve(),
  } as unknown as ForwardClient;
  const t0 = performance.now();
  const state = new ImportState(null);
  const plan = await planSets((await discover([containers])).sets, state, 'bench');
  const tally = newTally();
  const importer = new Importer({
    client,
    state,
    progress: new Progress({ write: () => true }, { mode: 'off', plainEveryMs: 1000 }),
    tally,
    labels: ['com.docker.compose.project', 'com.docker.compose.service'],
    env: [],
    pace: () => Promise.resolve(),
    stopped: () => false,
  });
  for (const p of plan.sets) await importer.importSet(p);
  if (tally.lines !== LINES) throw new Error(`read ${tally.lines} lines of ${LINES}`);
  return (performance.now() - t0) / 1000;
}

const dir = mkdtempSync(path.join(tmpdir(), 'lh-bench-import-'));
const cluster = await startCluster();
try {
  const t0 = performance.now();
  const { bytes, files } = await writeLog(dir);
  console.log(
    `generated ${LINES.toLocaleString('en-US')} lines, ${(bytes / 1e6).toFixed(1)} MB in ${files} file(s) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  const main = await buildLogharbor();
  const f = (x: number) => Math.round(x).toLocaleString('en-US');
  const mb = (secs: number) => (bytes / 1e6 / secs).toFixed(1);
  console.log(
    '| run | import, acked: lines/s | MB/s | import, stored: lines/s | MB/s | import CPU s | logharbor CPU s | read only: lines/s | MB/s | live PackedForward: events/s | stored import / live |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (let run = 1; run <= RUNS; run++) {
    const read = await readOnly(path.join(dir, 'containers'));
    await withLogharbor(cluster, 'bench_import', {}, async (lh) => {
      const { server } = lh;
      const port = server.ports['forward-tcp'];
      const before = await metric(server.http, 'logharbor_events_written_total');
      const cpu0 = server.cpuSeconds();
      const started = performance.now();
      const child = spawn(
        process.execPath,
        [
          main,
          'import',
          '--forward',
          `127.0.0.1:${port}`,
          '--window',
          args.window,
          '--no-state',
          '--quiet',
          path.join(dir, 'containers'),
        ],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      // Its CPU, read from /proc while it runs (the last reading before it exits).
      let importCpu = 0;
      const sampler = setInterval(() => {
        try {
          importCpu = cpuSecondsOf(child.pid!);
        } catch {
          // exited between two readings
        }
      }, 50);
      await new Promise<void>((resolve, reject) =>
        child.on('exit', (code) =>
          code === 0 ? resolve() : reject(new Error(`import exited ${code}: ${out}`)),
        ),
      );
      clearInterval(sampler);
      const acked = (performance.now() - started) / 1000;
      const stored = ((await waitWritten(server.http, before + LINES)) - started) / 1000;
      const lhCpu = server.cpuSeconds() - cpu0;
      const live = await maxRun(lh, {
        label: 'live',
        mode: 'packed',
        events: LINES,
        connections: 4,
        inFlight: 2,
        perRequest: 1000,
        tag: 'bench',
      });
      console.log(
        `| ${run} | ${f(LINES / acked)} | ${mb(acked)} | ${f(LINES / stored)} | ${mb(stored)} | ${importCpu.toFixed(1)} | ${lhCpu.toFixed(1)} | ${f(LINES / read)} | ${mb(read)} | ${f(live.rate)} | ${(LINES / stored / live.rate).toFixed(2)} |`,
      );
      if (run === 1) console.log(`  ${out.trim().split('\n')[0]}`);
    });
  }
  console.log(`(this process: ${selfCpuSeconds().toFixed(1)} CPU s; cores: 2, shared)`);
} finally {
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}
