/**
 * Forward load at a fixed rate from a process of its own (forked with tsx), for
 * measuring something else while logharbor ingests: the sender's timers and ack handling
 * then never delay the measuring process's clock, nor it the sender's. PackedForward
 * with acks, corpus records (bench/lib/docker-records.ts), bench/lib/paced-load.ts.
 *
 * Parent -> child: the options, then 'stop'; child -> parent: 'ready' once connected
 * and sending, then the summary when it has stopped and every ack is in.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dockerRecords } from './docker-records.js';
import { RequestFactory } from './forward-load.js';
import { sendPaced } from './paced-load.js';
import { percentile } from './stats.js';

export interface LoadSpec {
  port: number;
  rate: number;
  connections: number;
  perRequest: number;
  maxInFlight: number;
  seed: number;
  /** Stops by itself after this long. */
  maxSeconds: number;
}

export interface LoadSummary {
  achieved: number;
  events: number;
  /** Ack latency from when each request was due, ms. */
  ackP50: number;
  ackP99: number;
  ackMax: number;
  backlogMax: number;
}

export interface BackgroundLoad {
  /** Stops sending, waits for the last acks; the summary of the whole period. */
  stop(): Promise<LoadSummary>;
}

export async function startBackgroundLoad(spec: LoadSpec): Promise<BackgroundLoad> {
  const child = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const kill = () => void child.kill('SIGKILL');
  process.once('exit', kill);
  const messages: unknown[] = [];
  const waiters: ((m: unknown) => void)[] = [];
  child.on('message', (m) => (waiters.length ? waiters.shift()!(m) : messages.push(m)));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) => reject(new Error(`load process exited (${code})`))),
  );
  exited.catch(() => undefined);
  const next = () =>
    Promise.race([
      new Promise<unknown>((r) => (messages.length ? r(messages.shift()) : waiters.push(r))),
      exited,
    ]);
  child.send(spec);
  await next(); // ready
  return {
    async stop() {
      child.send('stop');
      const summary = (await next()) as LoadSummary;
      process.off('exit', kill);
      child.kill('SIGTERM');
      return summary;
    },
  };
}

async function runChild(spec: LoadSpec): Promise<void> {
  const factory = new RequestFactory(dockerRecords(20_000, spec.seed), 'background');
  const stop = new AbortController();
  process.on('message', (m) => m === 'stop' && stop.abort());
  const sending = sendPaced({
    port: spec.port,
    connections: spec.connections,
    rate: spec.rate,
    seconds: spec.maxSeconds,
    perRequest: spec.perRequest,
    acks: true,
    maxInFlight: spec.maxInFlight,
    request: (n, chunk) => factory.packedOf(n, chunk),
    signal: stop.signal,
  });
  process.send!('ready');
  const r = await sending;
  const summary: LoadSummary = {
    achieved: r.achieved,
    events: r.events,
    ackP50: percentile(r.ackMs, 50),
    ackP99: percentile(r.ackMs, 99),
    ackMax: percentile(r.ackMs, 100),
    backlogMax: r.backlogMax,
  };
  process.send!(summary);
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.send)
  process.once('message', (spec: LoadSpec) => void runChild(spec));
