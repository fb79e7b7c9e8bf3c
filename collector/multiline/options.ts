/**
 * The joiner's settings, as one table (name, type, default, doc) the integrator's config
 * table can take over one-to-one (docs/architecture.md, "Multi-line messages").
 */
import type { LevelLines } from './classify.js';

export interface MultilineOptions {
  /** Off: every unit passes straight through, as before the joiner. */
  enabled: boolean;
  /** A line continues a message only if it arrived (receivedAt) within this of the message's previous line. */
  windowMs: number;
  /** ... and within this of the message's first line. */
  maxSpanMs: number;
  /** Lines in one joined record; the next line starts a new piece (attrs.multiline_piece). */
  maxLines: number;
  /** UTF-8 bytes of one joined message (lines and their "\n"); past it, a new piece. A longer single line is never held. */
  maxBytes: number;
  /** Which plain-text level words may start a message: ERROR, SEVERE, CRITICAL (`error`), also WARN, WARNING (`warn`), none (`off`). */
  levelLines: LevelLines;
  /** Streams holding a message at once; past it the oldest is written (attrs.multiline_forced). */
  maxHeldStreams: number;
  /** Message bytes (UTF-16 units) of the units held back; past it the oldest group is written. */
  maxHeldBytes: number;
  /** Records in one group of units written together; past it the group is written (attrs.multiline_forced). */
  maxGroupRecords: number;
  /** receivedAt span of one group; past it the group is written (attrs.multiline_forced). */
  maxGroupMs: number;
}

export const MULTILINE_DEFAULTS: Readonly<MultilineOptions> = Object.freeze({
  enabled: true,
  windowMs: 250,
  maxSpanMs: 500,
  maxLines: 500,
  maxBytes: 64 * 1024,
  levelLines: 'error',
  maxHeldStreams: 4096,
  maxHeldBytes: 32 << 20,
  maxGroupRecords: 10_000,
  maxGroupMs: 1000,
});

/** The table for docs and config: one row per option. */
export const MULTILINE_OPTION_DOCS: {
  name: keyof MultilineOptions;
  type: 'boolean' | 'integer' | 'enum';
  doc: string;
}[] = [
  { name: 'enabled', type: 'boolean', doc: 'Join stack traces and other multi-line messages.' },
  {
    name: 'windowMs',
    type: 'integer',
    doc: "A line continues a message only if received within this many ms of the message's previous line.",
  },
  {
    name: 'maxSpanMs',
    type: 'integer',
    doc: "...and within this many ms of the message's first line (the longest a first line waits).",
  },
  { name: 'maxLines', type: 'integer', doc: 'Lines in one record; then a new piece begins.' },
  { name: 'maxBytes', type: 'integer', doc: 'Bytes in one record; then a new piece begins.' },
  {
    name: 'levelLines',
    type: 'enum',
    doc: 'Plain-text level lines that may start a message: error (ERROR, SEVERE, CRITICAL), warn (also WARN, WARNING), off.',
  },
  { name: 'maxHeldStreams', type: 'integer', doc: 'Streams holding a message at once.' },
  { name: 'maxHeldBytes', type: 'integer', doc: 'Text held back in memory, in UTF-16 units.' },
  {
    name: 'maxGroupRecords',
    type: 'integer',
    doc: 'Records in one group of requests written together.',
  },
];

/** Defaults filled in and every number checked (a bad value is a start-up error). */
export function resolveOptions(o: Partial<MultilineOptions> = {}): MultilineOptions {
  const r: MultilineOptions = { ...MULTILINE_DEFAULTS, ...o };
  const positive: (keyof MultilineOptions)[] = [
    'windowMs',
    'maxSpanMs',
    'maxLines',
    'maxBytes',
    'maxHeldStreams',
    'maxHeldBytes',
    'maxGroupRecords',
    'maxGroupMs',
  ];
  for (const k of positive) {
    const v = r[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
      throw new RangeError(`multiline ${k} must be a positive integer, got ${String(v)}`);
  }
  if (r.maxSpanMs < r.windowMs)
    throw new RangeError(`multiline maxSpanMs (${r.maxSpanMs}) is below windowMs (${r.windowMs})`);
  if (r.maxGroupMs < r.maxSpanMs)
    throw new RangeError(
      `multiline maxGroupMs (${r.maxGroupMs}) is below maxSpanMs (${r.maxSpanMs})`,
    );
  if (r.maxLines < 2) throw new RangeError('multiline maxLines must be at least 2');
  if (!['error', 'warn', 'off'].includes(r.levelLines))
    throw new RangeError(`multiline levelLines must be error, warn or off, got ${r.levelLines}`);
  return r;
}
