/**
 * The real command line (`node --import tsx cli/main.ts`) against a running logharbor:
 * search as terminal text and as NDJSON, paging past one API page, errors with the
 * column marked, the token from the environment or a file; tail printing live records
 * and resuming after a dropped connection with no repeat and no gap.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newRecord, type LogRecord } from '../../../core/record.js';
import { startHarness, type Harness } from '../../support/harness.js';

const T = 1_764_300_000;
const TOKEN = 'cli-secret';
const rec = (i: number, extra: Partial<LogRecord>): LogRecord => ({
  ...newRecord('forward', T + i, 123_456_789, `line ${i}`),
  ...extra,
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(args: string[], env: Record<string, string> = {}): ChildProcess {
  const clean = { ...process.env };
  delete clean.LOGHARBOR_API_TOKEN;
  delete clean.LOGHARBOR_API_TOKEN_FILE;
  delete clean.NO_COLOR;
  return spawn(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
    cwd: path.resolve(import.meta.dirname, '../../..'),
    env: { ...clean, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function finish(p: ChildProcess): Promise<Run> {
  let stdout = '';
  let stderr = '';
  p.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  p.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => p.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('logharbor search and tail (the command line)', () => {
  let h: Harness;
  const run = (args: string[], env: Record<string, string> = { LOGHARBOR_API_TOKEN: TOKEN }) =>
    finish(start([...args, '--url', h.httpUrl], env));

  beforeAll(async () => {
    h = await startHarness({ LOGHARBOR_API_TOKEN: TOKEN });
    await h.collector.writer.submit({
      records: [
        rec(1, { containerName: 'web', stream: 'stdout' }),
        rec(2, {
          containerName: 'web',
          stream: 'stderr',
          message: 'boom \x1b[31mred\x1b[0m \x1b]0;title\x07',
        }),
        rec(3, { containerName: 'db', stream: 'stdout' }),
        rec(4, { containerName: 'web', stream: 'stdout', severity: 3 }),
        ...Array.from({ length: 1200 }, (_, i) => rec(10 + i, { app: 'many' })),
      ],
    });
  });
  afterAll(async () => h.close());

  it('prints matches oldest first as terminal lines, control characters escaped', async () => {
    const r = await run(['search', 'container:web']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const time = (i: number) => `${new Date((T + i) * 1000).toISOString().slice(0, 19)}.123Z`;
    expect(r.stdout.split('\n')).toEqual([
      `${time(1)} web stdout line 1`,
      `${time(2)} web stderr boom red \\x1b]0;title\\x07`,
      `${time(4)} web stdout/error line 4`,
      '',
    ]);
  });

  it('prints NDJSON with --json, the records the API serves', async () => {
    const r = await run(['search', 'container:web', '--json', '--limit', '2']);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const api = await h.app.inject({
      url: '/api/logs?q=container:web&limit=2',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(lines).toEqual(api.json().records.reverse());
  });

  it('follows the cursor past one API page up to --limit', async () => {
    const r = await run(['search', 'app:many', '--limit', '1100', '--json']);
    const msgs = r.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { message: string }).message);
    expect(msgs).toHaveLength(1100);
    expect(msgs[0]).toBe('line 110');
    expect(msgs.at(-1)).toBe('line 1209');
  });

  it('reads the token from LOGHARBOR_API_TOKEN_FILE and refuses a wrong one', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lh-cli-'));
    writeFileSync(path.join(dir, 'token'), `${TOKEN}\n`);
    const ok = await run(['search', 'container:db'], {
      LOGHARBOR_API_TOKEN_FILE: path.join(dir, 'token'),
    });
    expect(ok.stdout).toMatch(/ db stdout line 3\n$/);
    const bad = await run(['search', 'container:db', '--token', 'nope']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/LH_UNAUTHORIZED/);
  });

  it('shows where a query is wrong', async () => {
    const r = await run(['search', 'container:web level:loud']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('LH_QUERY_SYNTAX');
    expect(r.stderr).toContain('\n  container:web level:loud\n                      ^\n');
    const t = await run(['tail', 'level:loud']);
    expect(t.code).toBe(1);
    expect(t.stderr).toContain('\n  level:loud\n        ^\n');
  });

  it('tails live records and resumes after a dropped connection without repeats or gaps', async () => {
    const p = start(['tail', 'app:live', '--json', '--url', h.httpUrl], {
      LOGHARBOR_API_TOKEN: TOKEN,
    });
    const done = finish(p);
    let out = '';
    p.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const lines = () =>
      out
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { message: string }).message);
    const until = async (cond: () => boolean, what: string) => {
      for (let i = 0; i < 1500 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
      if (!cond()) throw new Error(`timed out waiting for ${what}: ${out}`);
    };
    await until(() => h.hub.clients === 1, 'the CLI to connect');
    await h.collector.writer.submit({
      records: [1, 2, 3].map((i) => rec(i, { app: 'live', message: `a${i}` })),
    });
    await until(() => lines().length === 3, 'the first records');
    // Cut every tail socket; records committed while the CLI is away must still arrive once.
    for (const c of h.app.websocketServer.clients) c.terminate();
    await until(() => h.hub.clients === 0, 'the server to see the cut');
    await h.collector.writer.submit({
      records: [4, 5].map((i) => rec(i, { app: 'live', message: `a${i}` })),
    });
    await until(() => h.hub.clients === 1, 'the CLI to reconnect');
    await h.collector.writer.submit({
      records: [6].map((i) => rec(i, { app: 'live', message: `a${i}` })),
    });
    await until(() => lines().length >= 6, 'the records after the reconnect');
    p.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(0);
    expect(lines()).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'a6']);
    expect(r.stderr).toMatch(/connection lost; reconnecting after id \d+/);
  });
});
