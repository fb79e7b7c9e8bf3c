/**
 * The API client (docs/architecture.md, "The API"): JSON over fetch with the bearer token, every
 * answer checked by wire.ts, every failure an ApiError carrying the server's code and,
 * for query errors, the column. A 401 asks the user for the token once (concurrent
 * requests share the one prompt), keeps it, and retries.
 */
import {
  parseContainers,
  parseContext,
  parseErrorBody,
  parseHistogram,
  parseLogsPage,
  parseSources,
  type ContainerInfo,
  type HistogramData,
  type LogRecord,
  type LogsPage,
  type SourcesData,
} from './wire.js';
import { parseDoctorReport, type DoctorReport } from '../../core/doctor/report.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly column: number | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface TokenStore {
  get(): string | null;
  set(token: string | null): void;
}

export const TOKEN_KEY = 'logharbor.token';

/** The token kept in the browser (issue 5, point 7); a store that throws (privacy mode) keeps nothing. */
export function storageTokenStore(
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>,
): TokenStore {
  return {
    get() {
      try {
        return storage.getItem(TOKEN_KEY);
      } catch {
        return null;
      }
    },
    set(token) {
      try {
        if (token === null) storage.removeItem(TOKEN_KEY);
        else storage.setItem(TOKEN_KEY, token);
      } catch {
        // Not kept: the user is asked again next time.
      }
    },
  };
}

export type Params = Record<string, string | number | null | undefined>;

/** `?a=1&b=x` without empty values; '' when none is left. */
export function queryString(params: Params): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === null || v === undefined || v === '') continue;
    p.set(k, String(v));
  }
  const s = p.toString();
  return s === '' ? '' : `?${s}`;
}

export interface ApiClientOptions {
  fetch: typeof fetch;
  tokens: TokenStore;
  /** Asks the user for a token; null when they decline. */
  askToken(reason: string): Promise<string | null>;
  /** Prompts per request before giving up. */
  maxPrompts?: number;
}

export interface SearchParams {
  q: string;
  from: string;
  to: string;
  limit: number;
  cursor?: string | null;
}

export class ApiClient {
  private prompt: Promise<string | null> | null = null;

  constructor(private readonly o: ApiClientOptions) {}

  async logs(p: SearchParams, signal?: AbortSignal): Promise<LogsPage> {
    return this.get('/api/logs', { ...p }, parseLogsPage, signal);
  }

  async context(
    id: string,
    before: number,
    after: number,
    signal?: AbortSignal,
  ): Promise<LogRecord[]> {
    const path = `/api/logs/${encodeURIComponent(id)}/context`;
    return this.get(path, { before, after }, parseContext, signal);
  }

  /** `by` splits each bucket's count by level or container (an older API ignores it). */
  async histogram(
    p: { q: string; from: string; to: string; buckets: number; by?: 'level' | 'container' },
    signal?: AbortSignal,
  ): Promise<HistogramData> {
    return this.get('/api/logs/histogram', p, parseHistogram, signal);
  }

  /** The containers seen in `from`..`to`, or every one ever seen with `all`. */
  async containers(
    p: { from?: string; to?: string; all?: boolean } = {},
    signal?: AbortSignal,
  ): Promise<ContainerInfo[]> {
    const params = p.all ? { all: 1 } : { from: p.from, to: p.to };
    return this.get('/api/containers', params, parseContainers, signal);
  }

  /**
   * Listeners and collectors. `ask: false` never prompts for a token (the banner's
   * background poll): a 401 is thrown, and the next poll sends whatever token the user
   * gave meanwhile.
   */
  async sources(signal?: AbortSignal, opts: { ask?: boolean } = {}): Promise<SourcesData> {
    return this.get('/api/sources', {}, parseSources, signal, opts.ask ?? true);
  }

  async doctor(signal?: AbortSignal): Promise<DoctorReport> {
    return this.get('/api/doctor', {}, parseDoctorReport, signal);
  }

  /** The tail websocket URL; browsers cannot set headers on it, so the token rides in `?token=`. */
  tailUrl(origin: { protocol: string; host: string }, q: string, after: string | null): string {
    const scheme = origin.protocol === 'https:' ? 'wss:' : 'ws:';
    const qs = queryString({ q, after, token: this.o.tokens.get() });
    return `${scheme}//${origin.host}/api/tail${qs}`;
  }

  /** Asks for a token (sharing a prompt already open); true when one was given. */
  async requestToken(reason: string): Promise<boolean> {
    this.prompt ??= this.o.askToken(reason).finally(() => {
      this.prompt = null;
    });
    const token = await this.prompt;
    if (token === null || token === '') return false;
    this.o.tokens.set(token);
    return true;
  }

  private async get<T>(
    path: string,
    params: Params,
    parse: (v: unknown) => T | null,
    signal?: AbortSignal,
    ask = true,
  ): Promise<T> {
    const url = path + queryString(params);
    for (let prompts = 0; ; prompts++) {
      const token = this.o.tokens.get();
      const headers: Record<string, string> = { accept: 'application/json' };
      if (token) headers.authorization = `Bearer ${token}`;
      let res: Response;
      try {
        res = await this.o.fetch(url, { headers, signal });
      } catch (e) {
        if (signal?.aborted) throw e;
        throw new ApiError(0, 'LH_NETWORK', `cannot reach the server (${String(e)})`);
      }
      const body: unknown = await res.json().catch(() => undefined);
      if (res.ok) {
        const value = parse(body);
        if (value === null)
          throw new ApiError(res.status, 'LH_BAD_RESPONSE', `unexpected answer from ${path}`);
        return value;
      }
      const err = parseErrorBody(body);
      if (res.status === 401 && ask && prompts < (this.o.maxPrompts ?? 3)) {
        const reason = token ? 'The token was not accepted.' : 'This server needs an API token.';
        if (await this.requestToken(reason)) continue;
      }
      throw new ApiError(
        res.status,
        err?.code ?? `HTTP_${res.status}`,
        err?.message ?? `${path}: HTTP ${res.status}`,
        err?.column ?? null,
      );
    }
  }
}
