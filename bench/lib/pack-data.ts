/**
 * The records bench/packs.ts packs: the benchmark corpus (bench/corpus/) as the forward
 * source normalizes Docker's fluentd records (collector/forward/forward-record.ts: Compose
 * labels and JSON / logfmt fields in attrs, severity from the line), ids in host order (so
 * a stream's ids have gaps where other containers wrote), grouped by stream (container and
 * stdout/stderr): the rows of a pack.
 */
import { normalizeForwardEvent } from '../../collector/forward/forward-record.js';
import type { PackRow } from '../../core/packs/encode.js';
import { Corpus } from '../corpus/index.js';
import { Rand } from '../corpus/random.js';

export const PACK_SEED = 1;
const START_MS = 1_764_000_000_000;
const STEP_MS = 37;

export interface PackData {
  /** Host lines' text, in order (the zstd yardstick compresses these). */
  lines: string[];
  /** Rows per stream, ascending id; streams with the most lines first. */
  streams: { key: string; rows: PackRow[] }[];
}

export function packData(hostLines: number): PackData {
  const corpus = new Corpus(PACK_SEED);
  const jitter = new Rand(PACK_SEED ^ 0x7e57);
  const byStream = new Map<string, PackRow[]>();
  const lines: string[] = [];
  for (let n = 0; n < hostLines; n++) {
    const ms = START_MS + n * STEP_MS;
    const l = corpus.next(ms);
    const c = l.container;
    lines.push(l.text);
    const { record } = normalizeForwardEvent(
      c.id.slice(0, 12),
      Math.floor(ms / 1000),
      // Docker's fluentd driver with sub-second precision: nanoseconds.
      (ms % 1000) * 1_000_000 + jitter.int(1_000_000),
      {
        container_id: c.id,
        container_name: `/${c.name}`,
        source: l.stream,
        // Flat strings, as msgpack decoding hands them over (not concatenation ropes).
        log: Buffer.from(l.text).toString(),
        'com.docker.compose.project': c.name.slice(0, c.name.indexOf(`-${c.service}-`)),
        'com.docker.compose.service': c.service,
      },
      null,
    );
    record.receivedAt = ms + 1 + jitter.int(40);
    const key = `${c.name} ${l.stream}`;
    let rows = byStream.get(key);
    if (!rows) byStream.set(key, (rows = []));
    rows.push({ id: n + 1, record });
  }
  const streams = [...byStream.entries()]
    .map(([key, rows]) => ({ key, rows }))
    .sort((a, b) => b.rows.length - a.rows.length);
  return { lines, streams };
}

/** Every stream cut into consecutive packs of `size` rows; a stream's last partial pack is left out. */
export function packsOfSize(data: PackData, size: number): PackRow[][] {
  const out: PackRow[][] = [];
  for (const s of data.streams)
    for (let i = 0; i + size <= s.rows.length; i += size) out.push(s.rows.slice(i, i + size));
  return out;
}

/** At most `maxLines` of rows: every k-th pack, so the mix of streams stays. */
export function sampled(packs: PackRow[][], maxLines: number): PackRow[][] {
  const lines = packs.reduce((s, p) => s + p.length, 0);
  if (lines <= maxLines) return packs;
  const every = Math.ceil(lines / maxLines);
  return packs.filter((_, i) => i % every === 0);
}
