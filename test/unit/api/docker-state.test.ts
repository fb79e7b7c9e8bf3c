/**
 * The Docker engine client of the container list (api/docker/) against a stand-in engine
 * on a unix socket: what it reads of the answers, its cache, when it inspects again, and
 * that a missing, refusing or silent socket gives null (logged once), never an error.
 * The real engine is in test/integration/api/docker-state.test.ts.
 */
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerIndex } from '../../../api/docker/match.js';
import { DockerState, parseInspect, parseList } from '../../../api/docker/state.js';

const ID_A = 'a'.repeat(64);
const ID_B = 'b'.repeat(64);

function logger() {
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s)) });
  return { log, lines };
}

describe('reading the engine answers', () => {
  it('takes id, own name and state from the list; skips what is malformed', () => {
    expect(
      parseList([
        { Id: ID_A, Names: ['/other/web', '/web'], State: 'running', Status: 'Up 2 minutes' },
        { Id: ID_B, Names: ['/db'], State: 'removing', Status: 'Removal In Progress' },
        { Id: 'short', Names: ['/x'], State: 'running' },
        null,
        { Names: ['/y'] },
      ]).map(({ id, name, state }) => ({ id, name, state })),
    ).toEqual([
      { id: ID_A, name: 'web', state: 'running' },
      { id: ID_B, name: 'db', state: null },
    ]);
    expect(parseList({ message: 'not a list' })).toEqual([]);
  });

  it('takes restarts and times from an inspect; the zero time is null', () => {
    expect(
      parseInspect(
        {
          RestartCount: 3,
          State: {
            StartedAt: '2025-11-24T16:00:00.123456789Z',
            FinishedAt: '0001-01-01T00:00:00Z',
          },
        },
        'v',
      ),
    ).toEqual({
      version: 'v',
      restarts: 3,
      startedAt: '2025-11-24T16:00:00.123456789Z',
      finishedAt: null,
    });
    expect(parseInspect({ RestartCount: 'x', State: 7 }, 'v')).toMatchObject({
      restarts: null,
      startedAt: null,
    });
  });

  it('matches rows by id (short or full), by name only without an id', () => {
    const c = (id: string, name: string) => ({
      id,
      name,
      state: 'running' as const,
      restarts: 0,
      startedAt: null,
      finishedAt: null,
    });
    const idx = new DockerIndex([c(ID_A, 'web'), c(ID_B, 'db')]);
    expect(idx.find({ container_name: null, container_id: ID_A.slice(0, 12) })?.name).toBe('web');
    expect(idx.find({ container_name: 'web', container_id: ID_A })?.name).toBe('web');
    expect(idx.find({ container_name: 'db', container_id: null })?.id).toBe(ID_B);
    // A re-created "web" has another id: the row's container is gone.
    expect(idx.find({ container_name: 'web', container_id: 'c'.repeat(64) })).toBeNull();
    expect(idx.find({ container_name: null, container_id: 'a'.repeat(12) + 'f' })).toBeNull();
  });
});

describe('DockerState against a stand-in engine', () => {
  let dir: string;
  let server: Server;
  let sock: string;
  const calls: string[] = [];
  let status = 'Up 1 second';
  let restarts = 0;
  let silent = false;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'lh-docker-'));
    sock = path.join(dir, 'docker.sock');
    server = createServer((req, res) => {
      calls.push(req.url ?? '');
      if (silent) return; // never answers
      res.setHeader('content-type', 'application/json');
      if (req.url === '/containers/json?all=1') {
        res.end(JSON.stringify([{ Id: ID_A, Names: ['/web'], State: 'running', Status: status }]));
      } else if (req.url === `/containers/${ID_A}/json`) {
        res.end(
          JSON.stringify({
            RestartCount: restarts,
            State: { StartedAt: '2025-11-24T16:00:00Z', FinishedAt: '0001-01-01T00:00:00Z' },
          }),
        );
      } else {
        res.statusCode = 404;
        res.end('{"message":"no such container"}');
      }
    });
    await new Promise<void>((r) => server.listen(sock, r));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  it('lists, inspects, caches, and inspects again only what changed', async () => {
    let t = 0;
    const { log, lines } = logger();
    const d = new DockerState(sock, log, { cacheMs: 3000 }, () => t);
    calls.length = 0;
    const [a, b] = await Promise.all([d.containers(), d.containers()]);
    expect(a).toEqual([
      {
        id: ID_A,
        name: 'web',
        state: 'running',
        restarts: 0,
        startedAt: '2025-11-24T16:00:00Z',
        finishedAt: null,
      },
    ]);
    expect(b).toBe(a); // one refresh for both callers
    expect(calls).toEqual(['/containers/json?all=1', `/containers/${ID_A}/json`]);
    t = 1000;
    await d.containers();
    expect(calls).toHaveLength(2); // cached
    t = 4000;
    await d.containers();
    expect(calls).toHaveLength(3); // listed again, nothing changed: no inspect
    restarts = 1;
    status = 'Up Less than a second';
    t = 8000;
    expect((await d.containers())![0]!.restarts).toBe(1);
    expect(calls.slice(3)).toEqual(['/containers/json?all=1', `/containers/${ID_A}/json`]);
    expect(lines.map((l) => l.msg)).toEqual(['docker: container states from the engine']);
  });

  it('gives null, logged once, for a missing socket; asks again after the retry time', async () => {
    let t = 0;
    const { log, lines } = logger();
    const d = new DockerState(path.join(dir, 'none.sock'), log, { retryMs: 30_000 }, () => t);
    expect(await d.containers()).toBeNull();
    t = 10_000;
    expect(await d.containers()).toBeNull();
    t = 40_000;
    expect(await d.containers()).toBeNull();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, reason: expect.stringContaining('ENOENT') });
  });

  it('gives up on a silent engine within its timeout', async () => {
    silent = true;
    try {
      const { log, lines } = logger();
      const d = new DockerState(sock, log, { timeoutMs: 200 });
      const started = Date.now();
      expect(await d.containers()).toBeNull();
      expect(Date.now() - started).toBeLessThan(2000);
      expect(String(lines[0]?.reason)).toMatch(/no answer within 200 ms/);
    } finally {
      silent = false;
    }
  });
});
