/**
 * What the compaction tests share: lines of several streams spread over two UTC days,
 * level-0 packs made of them as the writer makes them (core/packs packsOf + encodePack,
 * written by the compactor's own COPY), and the one invariant every fault must keep: each
 * line is stored in exactly one pack, exactly as it was sent.
 */
import type pg from 'pg';
import { copyPacks } from '../../../collector/compaction/pack-sql.js';
import { PackReader } from '../../../core/packs/decode.js';
import { encodePack, packsOf, type PackRow } from '../../../core/packs/encode.js';
import { LABEL_COLUMNS, type PackLabels } from '../../../core/packs/labels.js';
import { newRecord } from '../../../core/record.js';
import { toStoredRecord } from '../../../core/stored-record.js';

const DAY_SEC = 86_400;

/** mulberry32: a small seeded generator, so a failing run can be repeated. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['GET', 'POST', '/api/orders', 'timeout', 'user=42', 'ok', 'retry', 'ünïcode', '✓'];

/**
 * `n` lines of `streams` containers, ids ascending from `firstId` with gaps, times over
 * the two UTC days before today (so a stream's lines cross a midnight).
 */
export function lines(seed: number, n: number, streams: number, firstId: number): PackRow[] {
  const random = seeded(seed);
  const today = Math.floor(Date.now() / 1000 / DAY_SEC) * DAY_SEC;
  const from = today - 2 * DAY_SEC + 3600;
  const rows: PackRow[] = [];
  let id = firstId;
  for (let i = 0; i < n; i++) {
    const s = Math.floor(random() * streams);
    const words = Array.from({ length: 1 + Math.floor(random() * 8) }, () => {
      return WORDS[Math.floor(random() * WORDS.length)]!;
    });
    const record = {
      ...newRecord('forward', from + Math.floor((i / n) * 1.5 * DAY_SEC), i % 1000, ''),
      message: `line ${i} ${words.join(' ')}`,
      receivedAt: (from + i) * 1000 + (i % 997),
      containerId: `c${s}`.padEnd(64, '0'),
      containerName: `/svc${s}`,
      stream: s % 2 === 0 ? ('stdout' as const) : ('stderr' as const),
      severity: i % 5 === 0 ? null : i % 8,
      attrs: i % 3 === 0 ? { n: i, tag: `t${i % 4}` } : null,
    };
    rows.push({ id, record });
    id += 1 + Math.floor(random() * 3);
  }
  return rows;
}

/**
 * Writes `rows` as level-0 packs: cut into batches of `batch` rows, each split by stream
 * and day as the writer's batches are. Returns how many packs.
 */
export async function writeLevel0(pool: pg.Pool, rows: PackRow[], batch: number): Promise<number> {
  const client = await pool.connect();
  let packs = 0;
  try {
    for (let i = 0; i < rows.length; i += batch) {
      const encoded = packsOf(rows.slice(i, i + batch)).map((g) =>
        encodePack(g, { codec: 'deflate', level: 1 }),
      );
      await client.query('BEGIN');
      await copyPacks(client, encoded, 0);
      await client.query('COMMIT');
      packs += encoded.length;
    }
  } finally {
    client.release();
  }
  return packs;
}

/** Every stored line by id (as the API prints it), counting ids stored more than once. */
export async function decodeAll(
  db: pg.Pool | pg.Client,
): Promise<{ byId: Map<number, string>; doubled: number; packs: number; level0: number }> {
  const r = await db.query<PackLabels & { level: number; data: Buffer }>(
    `SELECT ${LABEL_COLUMNS.join(', ')}, level, data FROM log_packs`,
  );
  const byId = new Map<number, string>();
  let doubled = 0;
  let level0 = 0;
  for (const p of r.rows) {
    if (p.level === 0) level0++;
    const labels = Object.fromEntries(LABEL_COLUMNS.map((l) => [l, p[l]])) as unknown as PackLabels;
    const reader = new PackReader(labels, p.data);
    for (let i = 0; i < reader.rows; i++) {
      const id = reader.id(i);
      if (byId.has(id)) doubled++;
      byId.set(id, JSON.stringify(toStoredRecord(id, reader.record(i))));
    }
  }
  return { byId, doubled, packs: r.rows.length, level0 };
}

/** Lines of `want` missing or changed in `got`, and lines in `got` never sent. */
export function differences(want: PackRow[], got: Map<number, string>): string[] {
  const out: string[] = [];
  for (const w of want) {
    const g = got.get(w.id);
    const e = JSON.stringify(toStoredRecord(w.id, w.record));
    if (g === undefined) out.push(`lost ${w.id}`);
    else if (g !== e) out.push(`changed ${w.id}: ${g} != ${e}`);
  }
  const sent = new Set(want.map((w) => w.id));
  for (const id of got.keys()) if (!sent.has(id)) out.push(`never sent ${id}`);
  return out;
}
