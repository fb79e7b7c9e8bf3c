/**
 * What the Docker engine says about its containers now (Dozzle's core view): state,
 * restart count, start and finish times, for GET /api/containers.
 *
 *   containers() ──cached snapshot, a few seconds old at most──► DockerContainer[] | null
 *        └─ refresh: GET /containers/json?all=1, then GET /containers/{id}/json for each
 *           container whose list entry (State, Status) changed since its last inspect
 *
 * Status texts ("Up 5 minutes", "Restarting (1) 2 seconds ago") change on every start,
 * restart and stop, so an unchanged entry keeps its inspected restart count and times;
 * a steady host costs one list call per refresh and an inspect per container a minute.
 *
 * No socket, no permission, a stuck engine: `containers()` answers null and the API shows
 * no state; logged once at info when the engine goes away (and when it comes back),
 * retried after RETRY_MS. Nothing here ever throws to the route.
 */
import type { Logger } from '../../core/log.js';
import { EngineError, engineGet } from './engine.js';

export const DOCKER_STATES = [
  'running',
  'exited',
  'restarting',
  'paused',
  'created',
  'dead',
] as const;
export type DockerStateName = (typeof DOCKER_STATES)[number];

export interface DockerContainer {
  /** Full id, 64 hex digits. */
  id: string;
  /** Without Docker's leading slash; null when the engine gives none. */
  name: string | null;
  /** null for a state not listed (`removing`) or not given. */
  state: DockerStateName | null;
  restarts: number | null;
  /** RFC 3339 as the engine gives it; null when never started (or finished). */
  startedAt: string | null;
  finishedAt: string | null;
}

export interface DockerStateOptions {
  /** A snapshot is reused for this long; default 3 s. */
  cacheMs?: number;
  /** Bound on each call to the engine; default 2 s. */
  timeoutMs?: number;
  /** After a failure, the engine is asked again only after this long; default 30 s. */
  retryMs?: number;
  /** Inspects in flight at once; default 4. */
  concurrency?: number;
  /** Most containers inspected per refresh (the rest keep null fields); default 500. */
  maxInspects?: number;
}

interface ListEntry {
  id: string;
  name: string | null;
  state: DockerStateName | null;
  /** What decides whether the inspected details are still current. */
  version: string;
}

interface Inspected {
  version: string;
  restarts: number | null;
  startedAt: string | null;
  finishedAt: string | null;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function stateName(v: unknown): DockerStateName | null {
  return DOCKER_STATES.find((s) => s === v) ?? null;
}

/** Docker writes "0001-01-01T00:00:00Z" for a time that never happened. */
function time(v: unknown): string | null {
  const s = str(v);
  if (s === null || s.startsWith('0001-')) return null;
  return Number.isNaN(Date.parse(s)) ? null : s;
}

const unslash = (n: string) => (n.startsWith('/') ? n.slice(1) : n);

/** `GET /containers/json?all=1` entries; anything malformed is skipped. */
export function parseList(v: unknown): ListEntry[] {
  if (!Array.isArray(v)) return [];
  const out: ListEntry[] = [];
  for (const c of v as unknown[]) {
    if (!isObj(c)) continue;
    const id = str(c.Id);
    if (id === null || !/^[0-9a-f]{64}$/.test(id)) continue;
    const names = Array.isArray(c.Names) ? c.Names.map(str).filter((n) => n !== null) : [];
    // A linked container's other names hold a slash inside ("/web/db"); its own has none.
    const own = names.map(unslash).find((n) => !n.includes('/')) ?? null;
    out.push({
      id,
      name: own,
      state: stateName(c.State),
      version: `${str(c.State) ?? ''}\u0000${str(c.Status) ?? ''}`,
    });
  }
  return out;
}

/** `GET /containers/{id}/json`: restart count and times. */
export function parseInspect(v: unknown, version: string): Inspected {
  const state = isObj(v) && isObj(v.State) ? v.State : {};
  const restarts = isObj(v) && Number.isSafeInteger(v.RestartCount) ? Number(v.RestartCount) : null;
  return {
    version,
    restarts,
    startedAt: time(state.StartedAt),
    finishedAt: time(state.FinishedAt),
  };
}

export class DockerState {
  private snapshot: DockerContainer[] | null = null;
  private takenAt = -Infinity;
  private failedAt = -Infinity;
  private inFlight: Promise<DockerContainer[] | null> | null = null;
  private readonly inspected = new Map<string, Inspected>();
  /** null before the first answer or failure; then whether the engine answered last time. */
  private up: boolean | null = null;
  private readonly o: Required<DockerStateOptions>;

  constructor(
    readonly socketPath: string,
    private readonly log: Logger,
    opts: DockerStateOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.o = {
      cacheMs: opts.cacheMs ?? 3000,
      timeoutMs: opts.timeoutMs ?? 2000,
      retryMs: opts.retryMs ?? 30_000,
      concurrency: opts.concurrency ?? 4,
      maxInspects: opts.maxInspects ?? 500,
    };
  }

  /** The engine's containers (a few seconds old at most), or null when it cannot be asked. */
  containers(): Promise<DockerContainer[] | null> {
    const t = this.now();
    if (this.snapshot !== null && t - this.takenAt < this.o.cacheMs)
      return Promise.resolve(this.snapshot);
    if (this.up === false && t - this.failedAt < this.o.retryMs) return Promise.resolve(null);
    this.inFlight ??= this.refresh().finally(() => (this.inFlight = null));
    return this.inFlight;
  }

  private get(path: string): Promise<unknown> {
    return engineGet({ socketPath: this.socketPath, path, timeoutMs: this.o.timeoutMs });
  }

  private async refresh(): Promise<DockerContainer[] | null> {
    try {
      const list = parseList(await this.get('/containers/json?all=1'));
      await this.inspectChanged(list);
      const alive = new Set(list.map((c) => c.id));
      for (const id of this.inspected.keys()) if (!alive.has(id)) this.inspected.delete(id);
      this.snapshot = list.map((c) => {
        const d = this.inspected.get(c.id);
        const current = d?.version === c.version ? d : undefined;
        return {
          id: c.id,
          name: c.name,
          state: c.state,
          restarts: current?.restarts ?? null,
          startedAt: current?.startedAt ?? null,
          finishedAt: current?.finishedAt ?? null,
        };
      });
      this.takenAt = this.now();
      if (this.up !== true)
        this.log.info({ socket: this.socketPath }, 'docker: container states from the engine');
      this.up = true;
      return this.snapshot;
    } catch (e) {
      const why = e instanceof EngineError ? e.message : String(e);
      if (this.up !== false)
        this.log.info(
          { socket: this.socketPath, reason: why },
          'docker: engine not reachable; containers are listed without their state',
        );
      this.up = false;
      this.failedAt = this.now();
      this.snapshot = null;
      return null;
    }
  }

  /** Inspects the containers whose list entry changed, a few at a time. */
  private async inspectChanged(list: ListEntry[]): Promise<void> {
    const todo = list
      .filter((c) => this.inspected.get(c.id)?.version !== c.version)
      .slice(0, this.o.maxInspects);
    let next = 0;
    const worker = async () => {
      while (next < todo.length) {
        const c = todo[next++]!;
        try {
          this.inspected.set(
            c.id,
            parseInspect(await this.get(`/containers/${c.id}/json`), c.version),
          );
        } catch (e) {
          // Removed between the list and the inspect: its details stay unknown.
          if (e instanceof EngineError && e.code === 'HTTP404') continue;
          throw e;
        }
      }
    };
    await Promise.all(Array.from({ length: this.o.concurrency }, worker));
  }
}
