/**
 * A worker thread of pack-workers.ts: decodes the packs it is sent and matches their rows
 * (pack-match.ts), answering with the rows kept or the counts. It keeps the packs it
 * decoded (its own PackCache): the API thread sends a pack's data once and then only its
 * key, and hears back the keys it no longer holds. Nothing here touches the database.
 */
import { parentPort } from 'node:worker_threads';
import { PackReader } from '../../core/packs/decode.js';
import { LogharborError } from '../../core/errors.js';
import { parseQuery } from '../query/index.js';
import { countPack, Matcher, topOfPack, type MatchSpec } from './pack-match.js';
import type { TaskIn, TaskOut, TaskPack } from './pack-workers.js';
import { PackCache, packBytes } from './pack-cache.js';

const matchers = new Map<string, Matcher>();

/** The spec compiled, once per distinct spec (a walk sends the same one many times). */
function matcherOf(spec: MatchSpec): Matcher {
  const key = JSON.stringify(spec);
  let m = matchers.get(key);
  if (!m) {
    if (matchers.size >= 64) matchers.clear();
    m = new Matcher(parseQuery(spec.q), spec);
    matchers.set(key, m);
  }
  return m;
}

/** Decoded packs this thread keeps between tasks (the API thread keeps its own: 128 MiB). */
const cache = new PackCache(64 << 20);

/** The task's packs decoded (or kept from an earlier task), and the keys it no longer holds. */
function readers(t: TaskIn): { packs: { reader: PackReader; p: TaskPack }[]; missing: string[] } {
  const packs: { reader: PackReader; p: TaskPack }[] = [];
  const missing: string[] = [];
  for (const p of t.packs) {
    let reader = cache.get(p.key);
    if (!reader && p.data !== null) {
      reader = new PackReader(
        p.labels,
        Buffer.from(p.data.buffer, p.data.byteOffset, p.data.length),
      );
      cache.set(p.key, reader, packBytes(p.data.length, reader.rows));
    }
    if (reader) packs.push({ reader, p });
    else missing.push(p.key);
  }
  return { packs, missing };
}

function run(t: TaskIn): TaskOut {
  const m = matcherOf(t.spec);
  const { packs, missing } = readers(t);
  if (t.kind === 'top') {
    const hits = [];
    for (const { reader, p } of packs)
      hits.push(...topOfPack(reader, p.labels, m, t.bound, t.want, p.all));
    return { id: t.id, hits, missing };
  }
  const counts = packs.map(({ reader, p }) =>
    countPack(reader, p.labels, m, t.width, t.origin, t.by, p.all),
  );
  return { id: t.id, counts, missing };
}

parentPort!.on('message', (t: TaskIn | { kind: 'drop' }) => {
  if (t.kind === 'drop') {
    cache.clear(); // tests: the API thread still thinks this thread holds them
    return;
  }
  let out: TaskOut;
  try {
    out = run(t);
  } catch (e) {
    const code = e instanceof LogharborError ? e.code : null;
    out = { id: t.id, error: { code, message: (e as Error).message } };
  }
  parentPort!.postMessage(out);
});
