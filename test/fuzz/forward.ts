/**
 * Fuzz properties of the forward protocol's pure code (collector/forward): the msgpack
 * scanner, the request decoder, and the framer feeding the decoder from a byte stream
 * cut anywhere. Inputs are random bytes and mutated real Docker captures (corpus.ts).
 *
 * Documented failure (collector/forward/errors.ts): ForwardDecodeError, nothing else; the
 * framer's are always fatal. Accepted output is well-formed (types.ts, msgpack-reader.ts):
 * whole seconds and nanoseconds in range, records plain JSON-safe objects with no
 * `__proto__` key, Buffers only as a top-level `log` or `message`.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  decodeRequest,
  type DecodeLimits,
  type ForwardRequest,
} from '../../collector/forward/decode.js';
import { ForwardDecodeError } from '../../collector/forward/errors.js';
import { ForwardFramer, type WireMode } from '../../collector/forward/framer.js';
import { MsgpackScanner, scanMsgpack } from '../../collector/forward/msgpack-scan.js';
import { FORWARD_FRAMES, MSGPACK_TOKENS } from './corpus.js';
import { mutatedBytes } from './mutate.js';
import type { FuzzProperty } from './properties.js';

const LIMITS: DecodeLimits = {
  maxDecompressedBytes: 1 << 20,
  maxDepth: 16,
  maxEvents: 1000,
  now: () => 1_700_000_000_123,
};
const KINDS = new Set(['heartbeat', 'message', 'forward', 'packed', 'compressed', 'handshake']);

/** Runs `fn`; a ForwardDecodeError becomes its result, any other throw goes on. */
function orDecodeError<T>(fn: () => T): T | ForwardDecodeError {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ForwardDecodeError) return e;
    throw e;
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  [Object.prototype, null].includes(Object.getPrototypeOf(v));

function assertJsonSafe(v: unknown, where: string): void {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return;
  if (typeof v === 'number') return assert.ok(Number.isFinite(v), `${where}: ${v}`);
  if (Array.isArray(v)) return v.forEach((x, i) => assertJsonSafe(x, `${where}[${i}]`));
  assert.ok(isPlainObject(v), `${where}: not a plain object`);
  assert.ok(!Object.hasOwn(v, '__proto__'), `${where}: own __proto__ key`);
  for (const [k, x] of Object.entries(v)) assertJsonSafe(x, `${where}.${k}`);
}

/** A decoded request as types.ts describes it. */
export function assertRequest(r: ForwardRequest, limits: DecodeLimits = LIMITS): void {
  assert.ok(KINDS.has(r.kind), `kind ${r.kind}`);
  assert.equal(typeof r.tag, 'string');
  assert.ok(r.events.length <= (limits.maxEvents ?? Infinity), 'more events than maxEvents');
  if (r.kind === 'heartbeat' || r.kind === 'handshake') assert.equal(r.events.length, 0);
  if (r.kind === 'handshake') assert.ok(Array.isArray(r.handshake));
  r.events.forEach((e, i) => {
    // Whole seconds of any size: a float time of 1e26 is passed on, and the writer clamps
    // what PostgreSQL cannot hold, keeping the original in attrs (writer.ts clampTime).
    assert.ok(Number.isInteger(e.tsSec), `event ${i} tsSec ${e.tsSec}`);
    assert.ok(Number.isInteger(e.tsNano) && e.tsNano >= 0 && e.tsNano < 1e9, `tsNano ${e.tsNano}`);
    assert.ok(isPlainObject(e.record), `event ${i} record`);
    assert.ok(!Object.hasOwn(e.record, '__proto__'), `event ${i}: own __proto__ key`);
    for (const [k, v] of Object.entries(e.record)) {
      if (Buffer.isBuffer(v)) assert.ok(k === 'log' || k === 'message', `Buffer in ${k}`);
      else assertJsonSafe(v, `event ${i}.${k}`);
    }
    if (e.meta !== undefined) assertJsonSafe(e.meta, `event ${i} meta`);
  });
  for (const s of r.skipped) {
    assert.ok(Number.isSafeInteger(s.index) && s.index >= 0, `skipped index ${s.index}`);
    assert.equal(typeof s.reason, 'string');
  }
  if (r.option !== null) {
    assert.ok(isPlainObject(r.option), 'option');
    if (r.option.compressed !== undefined) assert.equal(typeof r.option.compressed, 'string');
  }
}

/** Decodes one frame: a ForwardDecodeError or a well-formed request; the frame untouched. */
function decodeChecked(frame: Buffer, mode: WireMode): void {
  const before = Buffer.from(frame);
  const r = orDecodeError(() => decodeRequest(frame, mode, LIMITS));
  if (!(r instanceof ForwardDecodeError)) assertRequest(r);
  assert.ok(frame.equals(before), 'decode changed its input');
}

const mutatedFrame = mutatedBytes(FORWARD_FRAMES, MSGPACK_TOKENS);

export const msgpackScan: FuzzProperty<{ bytes: Buffer; cut: number }> = {
  name: 'msgpack-scan',
  invariant:
    'scan ends inside the bytes, needs more (-1) or throws ForwardDecodeError, the same however the bytes are split or moved',
  arbitrary: fc.record({
    bytes: fc.oneof(
      fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
      mutatedFrame.filter((b) => b.length <= 4096),
    ),
    cut: fc.nat(),
  }),
  check({ bytes, cut }) {
    const whole = orDecodeError(() => scanMsgpack(bytes, 0, 8));
    if (typeof whole === 'number') {
      assert.ok(whole === -1 || (whole > 0 && whole <= bytes.length), `end ${whole}`);
    }
    const at = cut % (bytes.length + 1);
    const scanner = new MsgpackScanner(8);
    const first = orDecodeError(() => scanner.scan(bytes, 0, at));
    if (first instanceof ForwardDecodeError) {
      assert.ok(whole instanceof ForwardDecodeError, `split at ${at} threw, whole did not`);
      return assert.equal(first.message, whole.message);
    }
    if (first >= 0) return assert.equal(first, whole, `split at ${at}`);
    // Resume over the same bytes moved behind 3 others (offsets are relative).
    const moved = Buffer.concat([Buffer.from([1, 2, 3]), bytes]);
    const rest = orDecodeError(() => scanner.scan(moved, 3, moved.length));
    if (whole instanceof ForwardDecodeError) {
      assert.ok(rest instanceof ForwardDecodeError, `split at ${at}: no error`);
      assert.equal(rest.message, whole.message);
    } else {
      assert.equal(rest, whole === -1 ? -1 : whole + 3, `split at ${at}, resumed`);
    }
  },
  ciRuns: 2000,
};

export const forwardDecode: FuzzProperty<Buffer> = {
  name: 'forward-decode',
  invariant:
    'decodeRequest throws only ForwardDecodeError, returns a well-formed request, leaves its input unchanged',
  arbitrary: fc.oneof(
    fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
    mutatedFrame,
  ),
  check(frame) {
    decodeChecked(frame, 'msgpack');
  },
  ciRuns: 3000,
};

interface Framed {
  frames: Buffer[];
  /** The ForwardDecodeError's message, or null. */
  error: string | null;
  pending: number;
  mode: WireMode | null;
}

function frameAll(chunks: Buffer[], maxFrameBytes: number): Framed {
  const framer = new ForwardFramer(maxFrameBytes, 16);
  const frames: Buffer[] = [];
  for (const c of chunks) {
    const r = orDecodeError(() => framer.push(c));
    if (r instanceof ForwardDecodeError) {
      assert.ok(r.fatal, 'framer errors are fatal');
      return { frames, error: r.message, pending: framer.pendingBytes, mode: framer.mode };
    }
    frames.push(...r);
    assert.ok(framer.pendingBytes <= maxFrameBytes, `pending ${framer.pendingBytes}`);
  }
  return { frames, error: null, pending: framer.pendingBytes, mode: framer.mode };
}

const sameFrames = (a: Buffer[], b: Buffer[]) =>
  a.length === b.length && a.every((f, i) => f.equals(b[i]!));

export interface ForwardStreamInput {
  /** Whole real requests: their frames must come out untouched whatever follows. */
  prefix: Buffer[];
  rest: Buffer;
  /** Offsets (any naturals, taken modulo the length) where TCP cut the stream. */
  cuts: number[];
  maxFrameBytes: number;
}

export const forwardStream: FuzzProperty<ForwardStreamInput> = {
  name: 'forward-stream',
  invariant:
    'framer+decoder: only ForwardDecodeError; any chunking gives the frames (or the prefix of them before the same error) of byte-by-byte feeding; whole requests before junk come out intact; decoded requests well-formed',
  arbitrary: fc.oneof(
    // Random bytes in random chunks.
    fc
      .array(fc.uint8Array({ minLength: 1, maxLength: 64 }), { minLength: 1, maxLength: 8 })
      .map((chunks) => ({
        prefix: [],
        rest: Buffer.concat(chunks),
        cuts: chunks
          .slice(0, -1)
          .map((_, i) => chunks.slice(0, i + 1).reduce((a, c) => a + c.length, 0)),
        maxFrameBytes: 4096,
      })),
    // Real requests, then a damaged one, cut anywhere, under tight and loose limits.
    fc.record({
      prefix: fc.subarray([...FORWARD_FRAMES.filter((f) => f.length < 2048)], { maxLength: 3 }),
      rest: mutatedFrame,
      cuts: fc.uniqueArray(fc.nat(), { maxLength: 8 }),
      maxFrameBytes: fc.constantFrom(64, 600, 4096, 1 << 16),
    }),
  ),
  check({ prefix, rest, cuts, maxFrameBytes }) {
    const stream = Buffer.concat([...prefix, rest]);
    const offsets = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
    const chunks = [0, ...offsets].map((o, i) => stream.subarray(o, offsets[i] ?? stream.length));
    const got = frameAll(chunks, maxFrameBytes);
    let ref = frameAll([stream], maxFrameBytes);
    if (ref.error !== null)
      ref = frameAll(
        [...stream].map((b) => Buffer.from([b])),
        maxFrameBytes,
      );
    assert.equal(got.error, ref.error, 'the same error (or none) however the stream is cut');
    if (ref.error === null) {
      assert.ok(sameFrames(got.frames, ref.frames), 'the same frames however the stream is cut');
      assert.equal(got.pending, ref.pending);
    } else {
      assert.ok(
        sameFrames(got.frames, ref.frames.slice(0, got.frames.length)),
        'frames before the error are a prefix of those fed byte by byte',
      );
    }
    if (ref.mode === 'msgpack') {
      const used = Buffer.concat(ref.frames);
      assert.ok(used.equals(stream.subarray(0, used.length)), 'frames are the stream, in order');
    }
    if (prefix.every((f) => f.length <= maxFrameBytes) && prefix.length > 0) {
      assert.ok(sameFrames(ref.frames.slice(0, prefix.length), prefix), 'whole requests intact');
    }
    for (const f of got.frames) decodeChecked(f, got.mode ?? 'msgpack');
  },
  ciRuns: 1000,
};
