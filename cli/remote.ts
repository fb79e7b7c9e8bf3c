/**
 * The command line as a client of a running logharbor: where it is, the token, and
 * runtime guards for what comes back (never cast what came off the wire).
 */
import { readFileSync } from 'node:fs';
import type { StoredRecord } from '../core/record.js';
import { formatQueryError } from './output.js';

export const DEFAULT_URL = 'http://127.0.0.1:8080';

export interface Remote {
  base: URL;
  token: string | null;
}

/** `--token`, else LOGHARBOR_API_TOKEN, else the file named by LOGHARBOR_API_TOKEN_FILE. */
export function resolveToken(flag: string | undefined, env: NodeJS.ProcessEnv): string | null {
  if (flag) return flag;
  const direct = env.LOGHARBOR_API_TOKEN;
  const file = env.LOGHARBOR_API_TOKEN_FILE;
  if (direct && file) {
    throw new Error('set either LOGHARBOR_API_TOKEN or LOGHARBOR_API_TOKEN_FILE, not both');
  }
  if (direct) return direct;
  if (!file) return null;
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (e) {
    throw new Error(
      `LOGHARBOR_API_TOKEN_FILE: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      { cause: e },
    );
  }
}

export function resolveRemote(o: { url: string; token?: string }, env: NodeJS.ProcessEnv): Remote {
  let base: URL;
  try {
    base = new URL(o.url);
  } catch {
    throw new Error(`--url: not a URL: ${o.url}`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new Error(`--url: expected http:// or https://, got ${o.url}`);
  }
  return { base, token: resolveToken(o.token, env) };
}

export function authHeaders(remote: Remote): Record<string, string> {
  return remote.token ? { authorization: `Bearer ${remote.token}` } : {};
}

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): v is string => typeof v === 'string';
const strOrNull = (v: unknown): v is string | null => v === null || typeof v === 'string';
const intOrNull = (v: unknown): v is number | null => v === null || Number.isInteger(v);

/** Whether `v` is a record as the API serves it. */
export function isRecord(v: unknown): v is StoredRecord {
  if (!isObject(v)) return false;
  return (
    str(v.id) &&
    str(v.ts) &&
    str(v.received_at) &&
    (v.source === 'forward' || v.source === 'syslog') &&
    strOrNull(v.host) &&
    strOrNull(v.container_id) &&
    strOrNull(v.container_name) &&
    (v.stream === null || v.stream === 'stdout' || v.stream === 'stderr') &&
    strOrNull(v.tag) &&
    strOrNull(v.app) &&
    strOrNull(v.project) &&
    strOrNull(v.service) &&
    intOrNull(v.severity) &&
    intOrNull(v.facility) &&
    str(v.message) &&
    (v.attrs === null || isObject(v.attrs))
  );
}

/** An array of records, or null if `v` is anything else. */
export function asRecords(v: unknown): StoredRecord[] | null {
  return Array.isArray(v) && v.every(isRecord) ? v : null;
}

/** The API's error body `{"error": {"code", "message", "column"?}}` as a readable Error. */
export function apiError(query: string, status: number, body: unknown): Error {
  const e = isObject(body) && isObject(body.error) ? body.error : null;
  if (!e || !str(e.code) || !str(e.message)) return new Error(`the server answered HTTP ${status}`);
  const column = Number.isInteger(e.column) ? (e.column as number) : undefined;
  return new Error(`${e.code}: ${formatQueryError(query, e.message, column)}`);
}

/** GET a JSON document from the API; an error body becomes a thrown Error. */
export async function getJson(
  remote: Remote,
  path: string,
  params: Record<string, string | undefined>,
  query: string,
): Promise<unknown> {
  const url = new URL(path, remote.base);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  let res: Response;
  try {
    res = await fetch(url, { headers: authHeaders(remote) });
  } catch (e) {
    const code = (e as { cause?: { code?: string } }).cause?.code;
    throw new Error(`cannot reach ${remote.base.origin}${code ? ` (${code})` : ''}`, { cause: e });
  }
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) throw apiError(query, res.status, body);
  return body;
}
