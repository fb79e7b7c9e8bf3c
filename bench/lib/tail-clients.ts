/**
 * Live-tail clients in a process of their own (forked by `startTailClients`), so that
 * reading 10 clients' worth of websocket text does not delay the sender's clock in the
 * benchmark process, nor the sender the clients' arrival times. Each client takes the
 * time a message arrives (epoch ms: performance.timeOrigin + now, comparable across
 * processes) and reads the send stamps ` sent=<epoch ms> run=<id>` of the lines in it
 * with a regex over the raw text (light: the clients share the cores with logharbor).
 *
 * A record holding several stamps is a multi-line message the joiner made of several
 * lines (collector/multiline/): it could not be sent before its last line came, and it
 * waited for the message to end. Its lines are counted in `latencies` (each from its own
 * send) and the record once in `joined` (from its last line's send); `single` holds the
 * latencies of one-line records, the tail's own delay.
 *
 * Parent -> child: {type: 'report'}; child -> parent: {type: 'ready'} once every client
 * is connected, then {type: 'report', latencies, single, joined: {run: ms[] per client},
 * dropped}.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const STAMP = / sent=(\d+\.\d+) run=(\d+)/g;

export const epochMs = () => performance.timeOrigin + performance.now();

/** The stamp a line carries for run `run`. */
export const stamp = (run: number) => ` sent=${epochMs().toFixed(3)} run=${run}`;

/** Per run id, per client: milliseconds. */
type PerRun = Record<string, number[][]>;

interface Report {
  type: 'report';
  latencies: PerRun;
  single: PerRun;
  joined: PerRun;
  dropped: number;
}

export interface TailReport {
  /** Every line of a run each client has received so far, from its own send, per client. */
  latencies: Map<number, number[][]>;
  /** Lines that came as a record of their own. */
  single: Map<number, number[][]>;
  /** Records joined from several lines, from the send of their last line. */
  joined: Map<number, number[][]>;
  dropped: number;
}

export interface TailClients {
  report(): Promise<TailReport>;
  stop(): void;
}

const byRun = (r: PerRun) => new Map(Object.entries(r).map(([k, v]) => [Number(k), v]));

export async function startTailClients(http: string, clients: number): Promise<TailClients> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [http, String(clients)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const kill = () => void child.kill('SIGKILL');
  process.once('exit', kill);
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`tail clients exited (${code})`)));
  });
  return {
    report: () =>
      new Promise((resolve) => {
        child.once('message', (m: Report) =>
          resolve({
            latencies: byRun(m.latencies),
            single: byRun(m.single),
            joined: byRun(m.joined),
            dropped: m.dropped,
          }),
        );
        child.send({ type: 'report' });
      }),
    stop: () => {
      process.off('exit', kill);
      child.kill('SIGTERM');
    },
  };
}

async function runClients(http: string, n: number): Promise<void> {
  const latencies: PerRun = {};
  const single: PerRun = {};
  const joined: PerRun = {};
  const at = (r: PerRun, run: string, c: number) =>
    (r[run] ??= Array.from({ length: n }, () => []))[c]!;
  let dropped = 0;
  const sockets = await Promise.all(
    Array.from({ length: n }, async (_, c) => {
      const ws = new WebSocket(`${http.replace(/^http/, 'ws')}/api/tail`);
      ws.on('message', (data: Buffer) => {
        const now = epochMs();
        const text = data.toString();
        if (text.startsWith('{"type":"dropped"'))
          dropped += Number(/"count":(\d+)/.exec(text)?.[1] ?? 0);
        // A record's JSON starts with its id; a quote inside a message is escaped.
        for (const record of text.split('{"id":"')) {
          let stamps = 0;
          let last = -Infinity;
          let run = '';
          for (const m of record.matchAll(STAMP)) {
            const sent = Number(m[1]);
            run = m[2]!;
            at(latencies, run, c).push(now - sent);
            last = Math.max(last, sent);
            stamps++;
          }
          if (stamps === 1) at(single, run, c).push(now - last);
          else if (stamps > 1) at(joined, run, c).push(now - last);
        }
      });
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      return ws;
    }),
  );
  process.on('message', () =>
    process.send!({ type: 'report', latencies, single, joined, dropped } satisfies Report),
  );
  process.once('SIGTERM', () => {
    for (const ws of sockets) ws.terminate();
    process.exit(0);
  });
  process.send!({ type: 'ready' });
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.send)
  void runClients(process.argv[2]!, Number(process.argv[3]));
