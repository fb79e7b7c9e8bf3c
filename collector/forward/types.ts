/**
 * What a decoded forward request looks like (Forward Protocol v1, "Event Modes").
 *
 * Record values are JSON-safe (see msgpack-reader.ts) with one exception: a top-level
 * `log` or `message` field whose bytes are not valid UTF-8 (or that came as msgpack bin)
 * is kept as a Buffer holding the exact bytes, so the normalizer can clean raw log output
 * without losing it. Buffers never alias the frame.
 */

export interface ForwardEvent {
  /** Whole seconds since the epoch (may be negative). */
  tsSec: number;
  /** 0..999_999_999. */
  tsNano: number;
  record: Record<string, unknown>;
  /** Fluent Bit's metadata map from `[[time, metadata], record]` entries, when sent. */
  meta?: Record<string, unknown>;
}

export type RequestKind =
  'heartbeat' | 'message' | 'forward' | 'packed' | 'compressed' | 'handshake';

export interface ForwardOption {
  /** The chunk id as sent (str -> string, bin -> Buffer, anything else decoded): echo it in the ack. */
  chunk?: unknown;
  /** A hint only: Fluent Bit sends an event count, fluent-logger-node a byte count. */
  size?: unknown;
  /** `"gzip"` for CompressedPackedForward; `"text"` (or absent) means uncompressed. */
  compressed?: string;
}

export interface SkippedEvent {
  /** Position of the event in the request (entry index; 0 for Message mode). */
  index: number;
  reason: string;
}

export interface ForwardRequest {
  kind: RequestKind;
  /** '' for heartbeat and handshake. */
  tag: string;
  events: ForwardEvent[];
  /** The request's option map; null when absent (or not a map). */
  option: ForwardOption | null;
  /** Events dropped as Fluentd's in_forward drops invalid events; the request is still acked. */
  skipped: SkippedEvent[];
  /** The PING array when kind === 'handshake'; str and bin elements (but the first) as Buffers. */
  handshake?: unknown[];
}

export interface DecodeLimits {
  /** Largest payload after gunzip; past it the request is rejected (non-fatal error). */
  maxDecompressedBytes: number;
  /** Deepest container nesting accepted inside a PackedForward payload's entries. */
  maxDepth: number;
  /**
   * Most events accepted in one request (memory: a 3-byte entry becomes a ~200-byte object).
   * Default 500_000.
   */
  maxEvents?: number;
  /** Clock for "time 0 / nil means now" (ms since the epoch); default Date.now. */
  now?: () => number;
}

export const DEFAULT_MAX_EVENTS = 500_000;
