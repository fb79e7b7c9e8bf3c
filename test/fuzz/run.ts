/**
 * Long fuzzing of every property of properties.ts (issue 6: "property tests ... each run
 * long in a separate script and briefly in CI; any crash found becomes a regression
 * test"):
 *
 *   npm run fuzz -- [--minutes N] [--seed S] [--only a,b] [--hang-seconds H] [--slow-ms M]
 *   npm run fuzz -- --only a --seed=S --path P     replay one printed failure, shrunk again
 *
 * The time (--minutes, else FUZZ_MINUTES, else 5) is shared equally by the properties;
 * each runs in a worker thread (worker.ts) watched from here. A failure (a broken
 * invariant, an unexpected exception, a run slower than --slow-ms) is shrunk by
 * fast-check; a run that makes no progress for --hang-seconds is a hang, stopped and
 * replayed to print its input. Either way the seed and the input are printed as a test
 * ready to paste into test/unit/fuzz.test.ts, and the exit code is 1.
 */
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { PROPERTIES } from './properties.js';
import {
  COUNTERS,
  ROUND,
  ROUND_RUNS,
  RUNS,
  SHRINKING,
  type WorkerInput,
  type WorkerMessage,
} from './worker.js';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string' },
    seed: { type: 'string' },
    path: { type: 'string' },
    only: { type: 'string' },
    'hang-seconds': { type: 'string', default: '60' },
    'slow-ms': { type: 'string', default: '10000' },
  },
});

function numberArg(name: string, value: string | undefined, fallback: number, min = 0): number {
  const n = value === undefined || value === '' ? fallback : Number(value);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name}: expected a number, got ${value}`);
  return n;
}

const minutes = numberArg('minutes', args.minutes ?? process.env.FUZZ_MINUTES, 5);
// fast-check seeds are int32; a round's seed may be negative (printed as --seed=-N).
const seed = Math.trunc(numberArg('seed', args.seed, randomInt(2 ** 31), -(2 ** 31)));
const hangMs = numberArg('hang-seconds', args['hang-seconds'], 60) * 1000;
const slowMs = numberArg('slow-ms', args['slow-ms'], 10_000);
const only = args.only?.split(',').filter(Boolean);
const chosen = PROPERTIES.filter((p) => !only || only.includes(p.name));
if (chosen.length === 0) throw new Error(`--only ${args.only}: no such property`);
const budgetMs = (minutes * 60_000) / chosen.length;

/** The worker's entry: tsx's loader registered in the worker (workers do not inherit it). */
const BOOT = `const { workerData } = require('node:worker_threads');
import(workerData.tsx).then((m) => { m.register(); return import(workerData.entry); });`;

function startWorker(input: WorkerInput): Worker {
  return new Worker(BOOT, {
    eval: true,
    workerData: {
      ...input,
      tsx: import.meta.resolve('tsx/esm/api'),
      entry: new URL('./worker.ts', import.meta.url).href,
    },
  });
}

interface Outcome {
  runs: number;
  failure: {
    kind: 'failure' | 'hang';
    seed: number;
    path: string;
    input: string;
    error: string;
  } | null;
}

/** Replays one case (seed, path) and returns the input it posts before running it. */
async function replayInput(name: string, at: { seed: number; path: string }): Promise<string> {
  const worker = startWorker({
    name,
    seed: at.seed,
    budgetMs: 0,
    slowMs,
    shared: new SharedArrayBuffer(4 * COUNTERS),
    replay: at,
  });
  let input = '(not captured)';
  worker.on('message', (m: WorkerMessage) => {
    if (m.type === 'input') input = m.input;
  });
  await new Promise((r) => setTimeout(r, Math.min(hangMs, 10_000)));
  await worker.terminate();
  return input;
}

async function fuzz(name: string): Promise<Outcome> {
  const shared = new SharedArrayBuffer(4 * COUNTERS);
  const counters = new Int32Array(shared);
  const worker = startWorker({ name, seed, budgetMs, slowMs, shared });
  let failing = '';
  return new Promise((resolve, reject) => {
    let lastRuns = -1;
    let lastMove = Date.now();
    const watch = setInterval(() => {
      const runs = Atomics.load(counters, RUNS);
      if (runs !== lastRuns) {
        [lastRuns, lastMove] = [runs, Date.now()];
        return;
      }
      if (Date.now() - lastMove < hangMs) return;
      clearInterval(watch);
      const roundSeed = (seed + Atomics.load(counters, ROUND)) | 0;
      const path = String(Atomics.load(counters, ROUND_RUNS) - 1);
      const shrinking = Atomics.load(counters, SHRINKING) === 1;
      void worker.terminate().then(async () => {
        const error = `no progress for ${hangMs / 1000} s${shrinking ? ' while shrinking a failure (input: the failing one)' : ''}`;
        const input = shrinking ? failing : await replayInput(name, { seed: roundSeed, path });
        resolve({ runs, failure: { kind: 'hang', seed: roundSeed, path, input, error } });
      });
    }, 1000);
    worker.on('message', (m: WorkerMessage) => {
      if (m.type === 'failing') failing = m.input;
      if (m.type !== 'done') return;
      clearInterval(watch);
      void worker.terminate();
      resolve({ runs: m.runs, failure: m.failure && { kind: 'failure', ...m.failure } });
    });
    worker.on('error', (e) => {
      clearInterval(watch);
      reject(e);
    });
  });
}

function regressionTest(name: string, f: NonNullable<Outcome['failure']>): string {
  const input = f.input.split('\n').join('\n      ');
  return [
    `  it('fuzz regression: ${name} ${f.kind} (seed ${f.seed}, path ${f.path})', () => {`,
    `    fuzzProperty('${name}').check(`,
    `      ${input},`,
    '    );',
    '  });',
  ].join('\n');
}

if (args.path !== undefined) {
  for (const p of chosen) {
    const d = fc.check(
      fc.property(p.arbitrary, (x) => p.check(x)),
      { seed, path: args.path },
    );
    console.log(
      d.failed ? fc.defaultReportMessage(d) : `${p.name}: seed ${seed} path ${args.path} passes`,
    );
    process.exitCode = d.failed ? 1 : 0;
  }
  process.exit();
}

console.log(
  `fuzzing ${chosen.map((p) => p.name).join(', ')}: ${minutes} min in all, ${Math.round(budgetMs / 1000)} s each, seed ${seed}`,
);
let failed = 0;
for (const p of chosen) {
  const started = Date.now();
  const o = await fuzz(p.name);
  const secs = ((Date.now() - started) / 1000).toFixed(0);
  if (!o.failure) {
    console.log(`ok    ${p.name}: ${o.runs} runs in ${secs} s`);
    continue;
  }
  failed++;
  const f = o.failure;
  console.log(`FAIL  ${p.name} (${f.kind}) after ${o.runs} runs in ${secs} s`);
  console.log(`      invariant: ${p.invariant}`);
  console.log(`      ${f.error.split('\n').slice(0, 12).join('\n      ')}`);
  console.log(`      replay: npm run fuzz -- --only ${p.name} --seed=${f.seed} --path ${f.path}`);
  console.log('      regression test for test/unit/fuzz.test.ts, describe("fuzz regressions"):\n');
  console.log(regressionTest(p.name, f));
  console.log('');
}
console.log(
  failed
    ? `${failed} of ${chosen.length} properties failed (seed ${seed})`
    : `all ${chosen.length} properties held (seed ${seed})`,
);
process.exit(failed ? 1 : 0);
