/**
 * Rows of one stream into one pack (the layout: format.ts; the columns: numbers-column.ts,
 * text-column.ts, attrs-column.ts), and a batch's rows into the packs it makes.
 *
 *   rows ──► numbers section (ids, ts, nanos, received_at, severity, facility) ──codec──┐
 *        ──► text section (messages)                                          ──codec──┼─► data
 *        ──► attrs section (own attrs, dictionary)                            ──codec──┘
 *        ──► bloom (trigrams of the messages), id bloom (their hex runs, merged packs only),
 *            labels, min/max id and time: the pack row
 */
import { maxEventMs, recordMs, type LogRecord } from '../record.js';
import { encodeAttrs } from './attrs-column.js';
import { idBloom } from '../id-bloom.js';
import { packBloom } from './bloom.js';
import { codecWithLevel, CODECS, type Codec, type CodecId, type SectionKind } from './codec.js';
import { MAX_ROWS, MAX_SECTION_BYTES, writePack, type StoredSection } from './format.js';
import { hasLabels, labelsOf, type PackLabels } from './labels.js';
import { encodeNumbers } from './numbers-column.js';
import { encodeText } from './text-column.js';

/** A committed record and its id: the shape of core/tail-commits.ts's Committed. */
export interface PackRow {
  id: number;
  record: LogRecord;
}

export interface EncodedPack {
  labels: PackLabels;
  rows: number;
  /** Ids ascend within a pack. */
  minId: number;
  maxId: number;
  /** Least recordMs of the rows. */
  minTsMs: number;
  /** Greatest recordMs, through maxEventMs (core/record.ts): the upper end of a range. */
  maxTsMs: number;
  /** UTF-8 bytes of the messages. */
  rawBytes: number;
  /** Folded trigram bloom of the messages (core/trigram-bloom.ts; bloom.ts). */
  bloom: Uint8Array;
  /**
   * Folded filter of the messages' hex runs (core/id-bloom.ts), or null: not built, so it
   * prunes nothing (level-0 packs, which live seconds, skip it to spare the writer).
   */
  idBloom: Uint8Array | null;
  /** Header and sections, self-describing (codecs inside). */
  data: Buffer;
}

export interface EncodeOptions {
  codec: CodecId;
  /** The codec's level (deflate 0-9, brotli quality 0-11); its default when absent. */
  level?: number;
  /** The bloom's fill limit (bloom.ts PACK_BLOOM_MAX_FILL when absent). */
  bloomMaxFill?: number;
  /** Build the id bloom (default true). */
  ids?: boolean;
  /** Store attrs whole even when the message gives them (for measurement only). */
  noDerive?: boolean;
}

function compressSection(
  raw: Buffer,
  codec: Codec,
  level: number,
  kind: SectionKind,
): StoredSection {
  if (raw.length > MAX_SECTION_BYTES)
    throw new RangeError(`pack: a section of ${raw.length} bytes is too large`);
  if (raw.length > 0 && codec.code !== 0) {
    const stored = codec.compress(raw, level, kind);
    if (stored.length < raw.length) return { codec, rawLength: raw.length, stored };
  }
  return { codec: CODECS.none, rawLength: raw.length, stored: raw };
}

/**
 * Rows of one stream (same labelKey), ascending id, times already through clampTime
 * (the writer's normalization). Throws a RangeError for rows the format cannot hold
 * (mixed labels, ids not ascending, a time outside clampTime's range, a non-integer
 * severity): a bug in the caller, never a reason to store something else.
 */
export function encodePack(rows: PackRow[], opts: EncodeOptions): EncodedPack {
  if (rows.length === 0) throw new RangeError('pack: no rows');
  if (rows.length > MAX_ROWS)
    throw new RangeError(`pack: ${rows.length} rows, at most ${MAX_ROWS}`);
  const { codec, level } = codecWithLevel(opts.codec, opts.level);
  const records = rows.map((r) => r.record);
  const labels = labelsOf(records[0]!);
  let minMs = Infinity;
  let maxMs = -Infinity;
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    if (!hasLabels(r, labels))
      throw new RangeError(`pack: row ${i} (id ${rows[i]!.id}) has other labels than row 0`);
    const ms = recordMs(r);
    if (ms < minMs) minMs = ms;
    if (ms > maxMs) maxMs = ms;
  }
  const messages = records.map((r) => r.message);
  const numbers = encodeNumbers(
    rows.map((r) => r.id),
    records,
  );
  const text = encodeText(messages);
  const attrs = encodeAttrs(records, !opts.noDerive);
  const data = writePack(rows.length, [
    compressSection(numbers, codec, level, 'binary'),
    compressSection(text.raw, codec, level, 'text'),
    compressSection(attrs.raw, codec, level, 'text'),
  ]);
  return {
    labels,
    rows: rows.length,
    minId: rows[0]!.id,
    maxId: rows[rows.length - 1]!.id,
    minTsMs: minMs,
    maxTsMs: maxEventMs(maxMs),
    rawBytes: text.bytes,
    bloom: packBloom(messages, opts.bloomMaxFill),
    idBloom: opts.ids === false ? null : idBloom(messages),
    data,
  };
}

const DAY_SEC = 86_400;

/**
 * A batch's committed rows as packs: one per label set and UTC day of ts (retention drops
 * packs by the day partition of min_ts, so a pack never spans two days), each in ascending
 * id order, the packs in the order of their first row.
 */
export function packsOf(rows: PackRow[]): PackRow[][] {
  // Groups found by container id, then told apart by day and all nine labels: fifty
  // containers' lines interleave, so consecutive rows rarely share a stream, and building
  // a text key per row (day, container, stream) cost the writer a twentieth of its
  // thread. A decoder hands the same container id string for every line of a container
  // (collector/forward/string-cache.ts), whose hash V8 keeps, so the lookup is cheap.
  // Records without a container id (syslog from hosts) share one list: it is searched for
  // the few streams it holds by a short text key instead.
  type Group = { day: number; labels: PackLabels; rows: PackRow[] };
  const byContainer = new Map<string, Group[]>();
  const byKey = new Map<string, Group[]>();
  const groups: PackRow[][] = [];
  let last: PackRow[] | null = null;
  let lastLabels: PackLabels | null = null;
  let lastDay = NaN;
  for (const row of rows) {
    const r = row.record;
    const day = Math.floor(r.tsSec / DAY_SEC);
    // Consecutive rows of one stream and day are the common case: skip the lookup.
    if (last && lastLabels && day === lastDay && hasLabels(r, lastLabels)) {
      last.push(row);
      continue;
    }
    let same: Group[] | undefined;
    if (r.containerId !== null) {
      same = byContainer.get(r.containerId);
      if (!same) byContainer.set(r.containerId, (same = []));
    } else {
      const key = `${day}\u0000${r.host ?? ''}\u0000${r.tag ?? ''}\u0000${r.app ?? ''}`;
      same = byKey.get(key);
      if (!same) byKey.set(key, (same = []));
    }
    let g: Group | undefined;
    for (let i = 0; i < same.length; i++) {
      const x = same[i]!;
      if (x.day === day && hasLabels(r, x.labels)) {
        g = x;
        break;
      }
    }
    if (!g) {
      g = { day, labels: labelsOf(r), rows: [] };
      same.push(g);
      groups.push(g.rows);
    }
    lastLabels = g.labels;
    lastDay = day;
    last = g.rows;
    last.push(row);
  }
  const out = groups;
  for (const g of out) {
    for (let i = 1; i < g.length; i++) {
      if (g[i]!.id <= g[i - 1]!.id) {
        g.sort((a, b) => a.id - b.id);
        break;
      }
    }
  }
  return out;
}
