/**
 * The parent side of fluent-logger-child.ts: starts the loads in a child process and
 * follows their acks as they come.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FluentLoadOptions, LoadResult } from './fluent-logger-load.js';

const CHILD = fileURLToPath(new URL('./fluent-logger-child.ts', import.meta.url));

export class FluentLoggerProcess {
  /** Date.now() (in the child) of every ack, per load, in arrival order. */
  readonly ackTimes: number[][];
  /** Exceptions fluent-logger threw in the child (its stack, first lines). */
  readonly crashes: string[] = [];
  private readonly child: ChildProcess;
  private result: Promise<LoadResult[]>;

  constructor(loads: FluentLoadOptions[]) {
    this.ackTimes = loads.map(() => []);
    this.child = fork(CHILD, [JSON.stringify(loads)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.result = new Promise((resolve, reject) => {
      this.child.on('message', (m: ChildMessage) => {
        if (m.type === 'acks') this.ackTimes[m.load]?.push(...m.times);
        else if (m.type === 'crash') this.crashes.push(m.error.split('\n').slice(0, 2).join(' '));
        else resolve(m.loads);
      });
      this.child.once('exit', (code) => reject(new Error(`fluent-logger child exited (${code})`)));
    });
    this.result.catch(() => undefined);
  }

  acked(load: number): number {
    return this.ackTimes[load]?.length ?? 0;
  }

  /** The first ack of any load at or after `t`; Infinity when none yet. */
  firstAckAfter(t: number): number {
    return Math.min(...this.ackTimes.map((ts) => ts.find((a) => a >= t) ?? Infinity));
  }

  /** Stops emitting; resolves with each load's account once every event is answered (or after `timeoutMs`). */
  finish(timeoutMs: number): Promise<LoadResult[]> {
    this.child.send({ type: 'finish', timeoutMs });
    return this.result;
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

type ChildMessage =
  | { type: 'acks'; load: number; times: number[] }
  | { type: 'crash'; error: string }
  | { type: 'result'; loads: LoadResult[] };
