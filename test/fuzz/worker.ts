/**
 * One fuzz property in a worker thread (started by run.ts), so that the main thread can
 * notice an input that never returns and stop it: a synchronous hang cannot be timed
 * out from the thread it blocks.
 *
 * It runs rounds of `fc.check` (seed, seed+1, ...; each round twice the runs of the last,
 * up to ROUND_MAX) until the budget is spent or a round fails. Rounds rather than
 * fast-check's own time limits: those also stop shrinking, which would leave a failure
 * found near the end unshrunk. The shared counters tell the main thread how far it got:
 *
 *   [RUNS]       runs started (shrink runs included)
 *   [ROUND_RUNS] runs started in this round before any failure: the path of a hang
 *   [SHRINKING]  1 once a run of this round failed
 *   [ROUND]      the round now running (its seed is seed + ROUND)
 */
import { parentPort, workerData } from 'node:worker_threads';
import fc from 'fast-check';
import { fuzzProperty } from './properties.js';

export const RUNS = 0;
export const ROUND_RUNS = 1;
export const SHRINKING = 2;
export const ROUND = 3;
export const COUNTERS = 4;

export interface WorkerInput {
  name: string;
  seed: number;
  budgetMs: number;
  /** A run longer than this fails (and is shrunk like any failure). */
  slowMs: number;
  shared: SharedArrayBuffer;
  /** Replay this one case (fast-check path) and post its input before running it. */
  replay?: { seed: number; path: string };
}

export type WorkerMessage =
  | { type: 'input'; input: string }
  | { type: 'failing'; input: string }
  | {
      type: 'done';
      runs: number;
      rounds: number;
      failure: { seed: number; path: string; input: string; error: string } | null;
    };

const ROUND_MAX = 200_000;

function main(w: WorkerInput): void {
  const post = (m: WorkerMessage) => parentPort!.postMessage(m);
  const p = fuzzProperty(w.name);
  const counters = new Int32Array(w.shared);
  let failingPosted = false;
  const property = fc.property(p.arbitrary, (input) => {
    if (w.replay) post({ type: 'input', input: fc.stringify(input) });
    Atomics.add(counters, RUNS, 1);
    if (Atomics.load(counters, SHRINKING) === 0) Atomics.add(counters, ROUND_RUNS, 1);
    const started = performance.now();
    try {
      p.check(input);
      const ms = performance.now() - started;
      if (ms > w.slowMs)
        throw new Error(`one run took ${Math.round(ms)} ms (--slow-ms ${w.slowMs})`);
    } catch (e) {
      Atomics.store(counters, SHRINKING, 1);
      if (!failingPosted) post({ type: 'failing', input: fc.stringify(input) });
      failingPosted = true;
      throw e;
    }
  });
  if (w.replay) {
    fc.check(property, {
      seed: w.replay.seed,
      path: w.replay.path,
      numRuns: 1,
      endOnFailure: true,
    });
    return post({ type: 'done', runs: 1, rounds: 1, failure: null });
  }
  const deadline = Date.now() + w.budgetMs;
  let numRuns = 100;
  let round = 0;
  for (; Date.now() < deadline; round++) {
    Atomics.store(counters, ROUND, round);
    Atomics.store(counters, ROUND_RUNS, 0);
    const started = Date.now();
    const d = fc.check(property, { seed: (w.seed + round) | 0, numRuns });
    if (d.failed) {
      const error =
        d.errorInstance instanceof Error ? (d.errorInstance.stack ?? '') : String(d.errorInstance);
      return post({
        type: 'done',
        runs: Atomics.load(counters, RUNS),
        rounds: round + 1,
        failure: {
          seed: d.seed,
          path: d.counterexamplePath ?? '',
          input: fc.stringify(d.counterexample?.[0]),
          error,
        },
      });
    }
    const left = deadline - Date.now();
    const perRun = Math.max(Date.now() - started, 1) / numRuns;
    numRuns = Math.max(1, Math.min(numRuns * 2, ROUND_MAX, Math.floor(left / perRun)));
  }
  post({ type: 'done', runs: Atomics.load(counters, RUNS), rounds: round, failure: null });
}

if (parentPort && workerData) main(workerData as WorkerInput);
