/**
 * Live-tail clients in a process of their own (forked by `startTailClients`), so that
 * reading 10 clients' worth of websocket text does not delay the sender's clock in the
 * benchmark process, nor the sender the clients' arrival times. Each client takes the
 * time a message arrives (epoch ms: performance.timeOrigin + now, comparable across
 * processes) and reads the send stamps ` sent=<epoch ms> run=<id>` of the lines in it
 * with a regex over the raw text (light: the clients share the cores with logharbor).
 *
 * Parent -> child: {type: 'report'}; child -> parent: {type: 'ready'} once every client
 * is connected, then {type: 'report', latencies: {run: ms[] per client}, dropped}.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const STAMP = / sent=(\d+\.\d+) run=(\d+)/g;

export const epochMs = () => performance.timeOrigin + performance.now();

/** The stamp a line carries for run `run`. */
export const stamp = (run: number) => ` sent=${epochMs().toFixed(3)} run=${run}`;

interface Report {
  type: 'report';
  latencies: Record<string, number[][]>;
  dropped: number;
}

export interface TailClients {
  /** Latencies (ms) of every line of `run` each client has received so far, per client. */
  report(): Promise<{ latencies: Map<number, number[][]>; dropped: number }>;
  stop(): void;
}

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
            latencies: new Map(Object.entries(m.latencies).map(([k, v]) => [Number(k), v])),
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
  const latencies: Record<string, number[][]> = {};
  let dropped = 0;
  const sockets = await Promise.all(
    Array.from({ length: n }, async (_, c) => {
      const ws = new WebSocket(`${http.replace(/^http/, 'ws')}/api/tail`);
      ws.on('message', (data: Buffer) => {
        const now = epochMs();
        const text = data.toString();
        if (text.startsWith('{"type":"dropped"'))
          dropped += Number(/"count":(\d+)/.exec(text)?.[1] ?? 0);
        for (const m of text.matchAll(STAMP))
          (latencies[m[2]!] ??= Array.from({ length: n }, () => []))[c]!.push(now - Number(m[1]));
      });
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      return ws;
    }),
  );
  process.on('message', () => process.send!({ type: 'report', latencies, dropped }));
  process.once('SIGTERM', () => {
    for (const ws of sockets) ws.terminate();
    process.exit(0);
  });
  process.send!({ type: 'ready' });
}

if (process.argv[1] === fileURLToPath(import.meta.url) && process.send)
  void runClients(process.argv[2]!, Number(process.argv[3]));
