/**
 * Seeded Docker-shaped forward records, as the fluentd driver sends them.
 */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  'GET',
  'POST',
  '/api/v1/items',
  '/healthz',
  'user',
  'order',
  'timeout',
  'connected',
  'cache',
  'miss',
  'hit',
  'db',
  'query',
  'took',
  'ms',
  'error',
  'retry',
  'worker',
  'job',
  'done',
];

export interface DockerRecord {
  container_id: string;
  container_name: string;
  source: string;
  log: string;
}

export function dockerRecords(n: number, seed = 1, containers = 20): DockerRecord[] {
  const r = rng(seed);
  const ids = Array.from({ length: containers }, (_, i) =>
    (i.toString(16).padStart(4, '0') + 'f'.repeat(60)).slice(0, 64),
  );
  const out: DockerRecord[] = [];
  for (let i = 0; i < n; i++) {
    const c = Math.floor(r() * containers);
    const words = Array.from(
      { length: 6 + Math.floor(r() * 14) },
      () => WORDS[Math.floor(r() * WORDS.length)],
    );
    out.push({
      container_id: ids[c]!,
      container_name: `/app-${c}`,
      source: r() < 0.9 ? 'stdout' : 'stderr',
      log: `${new Date(1_764_000_000_000 + i).toISOString()} ${words.join(' ')} id=${i}`,
    });
  }
  return out;
}
