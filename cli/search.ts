/**
 * `logharbor search '<query>'`: GET /api/logs page by page (newest first, following
 * `next_cursor`) until `--limit` records, then prints them oldest first, as a terminal
 * log reads, or as NDJSON with `--json`.
 */
import type { StoredRecord } from '../core/record.js';
import { formatRecord, type Style } from './output.js';
import { asRecords, getJson, isObject, resolveRemote } from './remote.js';

/** The API's page ceiling (api/routes/logs.ts). */
const PAGE_MAX = 1000;

export interface SearchOptions {
  since?: string;
  from?: string;
  to?: string;
  limit: string;
  json?: boolean;
  url: string;
  token?: string;
}

export function parseLimit(v: string): number {
  const n = /^\d{1,9}$/.test(v) ? Number(v) : NaN;
  if (!(n >= 1)) throw new Error(`--limit: expected a whole number of records, got ${v}`);
  return n;
}

export async function search(
  query: string,
  o: SearchOptions,
  write: (line: string) => void,
  style: Style,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  if (o.since !== undefined && o.from !== undefined) {
    throw new Error('give --since or --from, not both');
  }
  const limit = parseLimit(o.limit);
  const remote = resolveRemote(o, env);
  const found: StoredRecord[] = [];
  let cursor: string | undefined;
  while (found.length < limit) {
    const body = await getJson(
      remote,
      '/api/logs',
      {
        q: query || undefined,
        from: o.since ?? o.from,
        to: o.to,
        limit: String(Math.min(PAGE_MAX, limit - found.length)),
        cursor,
      },
      query,
    );
    const records = isObject(body) ? asRecords(body.records) : null;
    const next = isObject(body) ? body.next_cursor : undefined;
    if (!records || !(next === null || typeof next === 'string')) {
      throw new Error('the server sent a search answer this command does not understand');
    }
    found.push(...records);
    if (next === null || records.length === 0) break;
    cursor = next;
  }
  for (const r of found.reverse()) write(o.json ? JSON.stringify(r) : formatRecord(r, style));
}
