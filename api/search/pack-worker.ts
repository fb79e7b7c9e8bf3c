/**
 * A worker thread of pack-workers.ts: decodes the packs it is sent and matches their rows
 * (pack-match.ts), answering with the rows kept or the counts. Nothing here touches the
 * database or keeps packs between tasks: the API thread fetches, caches and merges.
 */
import { parentPort } from 'node:worker_threads';
import { PackReader } from '../../core/packs/decode.js';
import { LogharborError } from '../../core/errors.js';
import { parseQuery } from '../query/index.js';
import { countPack, Matcher, topOfPack, type MatchSpec } from './pack-match.js';
import type { TaskIn, TaskOut } from './pack-workers.js';

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

function run(t: TaskIn): TaskOut {
  const m = matcherOf(t.spec);
  if (t.kind === 'top') {
    const hits = [];
    for (const p of t.packs) {
      const reader = new PackReader(
        p.labels,
        Buffer.from(p.data.buffer, p.data.byteOffset, p.data.length),
      );
      hits.push(...topOfPack(reader, p.labels, m, t.bound, t.want, p.all));
    }
    return { id: t.id, hits };
  }
  const counts = t.packs.map((p) => {
    const reader = new PackReader(
      p.labels,
      Buffer.from(p.data.buffer, p.data.byteOffset, p.data.length),
    );
    return countPack(reader, p.labels, m, t.width, t.origin, t.by, p.all);
  });
  return { id: t.id, counts };
}

parentPort!.on('message', (t: TaskIn) => {
  let out: TaskOut;
  try {
    out = run(t);
  } catch (e) {
    const code = e instanceof LogharborError ? e.code : null;
    out = { id: t.id, error: { code, message: (e as Error).message } };
  }
  parentPort!.postMessage(out);
});
