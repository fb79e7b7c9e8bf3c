/**
 * Records as Docker's fluentd driver sends them (container_id, container_name with its
 * leading slash, source, log), the lines from the benchmark corpus (bench/corpus/): 50
 * containers with their own mixes, ~143 bytes a line on average.
 */
import { Corpus } from '../corpus/index.js';

export interface DockerRecord {
  container_id: string;
  container_name: string;
  source: string;
  log: string;
}

/** `n` records of corpus `seed` (their text times 37 ms apart from a fixed date). */
export function dockerRecords(n: number, seed = 1): DockerRecord[] {
  const c = new Corpus(seed);
  const out: DockerRecord[] = [];
  for (let i = 0; i < n; i++) {
    const l = c.next(1_764_000_000_000 + i * 37);
    out.push({
      container_id: l.container.id,
      container_name: `/${l.container.name}`,
      source: l.stream,
      log: l.text,
    });
  }
  return out;
}
