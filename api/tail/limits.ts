/**
 * Hard limits of the live tail (STYLE.md: every resource has a hard limit, each with a
 * test of what happens past it). Memory per client is bounded by the queue plus the
 * socket's high-water mark; the JSON strings in queues are shared between clients (one
 * string per committed record), so many clients on the same records cost references.
 */
export interface TailLimits {
  /** Open tail sockets per process; the next one gets LH_CONNECTION_LIMIT and is closed. */
  maxClients: number;
  /** Records of the short backlog sent when the client gives no `after` cursor. */
  shortBacklog: number;
  /**
   * Records waiting for one client's socket. Also the largest backlog sent on a resume
   * with `after`: older matches are reported as `{"type":"dropped"}`.
   */
  maxQueueRecords: number;
  /** JSON characters waiting for one client (and the largest backlog, likewise). */
  maxQueueChars: number;
  /** Past this many bytes in the socket's send buffer, nothing more is written to it. */
  highWaterBytes: number;
  /** Records and JSON characters in one `{"type":"records"}` message (at least one record). */
  maxMessageRecords: number;
  maxMessageChars: number;
  /** Websocket ping interval; a peer that missed the previous pong is cut off. */
  pingMs: number;
  /** Committed records waiting in the hub for fan-out; past it they are reported dropped. */
  hubQueueRecords: number;
  /** Records the hub fans out per turn of the event loop before yielding to I/O. */
  hubSliceRecords: number;
  /** Largest message a client may send (pause/resume are a few bytes). */
  maxClientMessageBytes: number;
  /** A resume's dropped count is exact up to this many records (then it says "at least"). */
  maxDroppedCount: number;
  /** At shutdown, how long a client may take to answer the close before it is cut off. */
  closeGraceMs: number;
  /** The short backlog gives up (and the tail goes live without it) past this time. */
  shortBacklogMs: number;
}

export const TAIL_LIMITS: TailLimits = {
  maxClients: 256,
  shortBacklog: 100,
  maxQueueRecords: 10_000,
  maxQueueChars: 8 * 1024 * 1024,
  highWaterBytes: 1024 * 1024,
  maxMessageRecords: 500,
  maxMessageChars: 1024 * 1024,
  pingMs: 20_000,
  hubQueueRecords: 100_000,
  hubSliceRecords: 2_000,
  maxClientMessageBytes: 4096,
  maxDroppedCount: 1_000_000,
  closeGraceMs: 1000,
  shortBacklogMs: 2000,
};
