/**
 * The tail socket's JSON messages (docs/architecture.md, "The API"):
 *   server: {"type":"records","records":[...]}  {"type":"dropped","count":n}
 *           {"type":"error","code","message","column"?}
 *   client: {"type":"pause"}  {"type":"resume"}
 * Records arrive already encoded (one JSON string per record, shared by every client), so
 * a records message is assembled, not re-encoded.
 */
import type { LogharborError } from '../../core/errors.js';

export function recordsMessage(jsons: readonly string[]): string {
  return `{"type":"records","records":[${jsons.join(',')}]}`;
}

/** What cuts a run of records into messages (api/tail/limits.ts). */
export interface MessageBounds {
  maxMessageRecords: number;
  maxMessageChars: number;
}

/** How many of `jsons`, from `from`, go in one message: at least one, then within bounds. */
export function messageLength(
  jsons: readonly { length: number }[],
  from: number,
  b: MessageBounds,
): { count: number; chars: number } {
  let k = 0;
  let chars = 0;
  while (
    from + k < jsons.length &&
    k < b.maxMessageRecords &&
    (k === 0 || chars + jsons[from + k]!.length <= b.maxMessageChars)
  ) {
    chars += jsons[from + k]!.length;
    k++;
  }
  return { count: k, chars };
}

export function droppedMessage(count: number): string {
  return JSON.stringify({ type: 'dropped', count });
}

export function errorMessage(err: Pick<LogharborError, 'code' | 'message' | 'column'>): string {
  return JSON.stringify(
    err.column === undefined
      ? { type: 'error', code: err.code, message: err.message }
      : { type: 'error', code: err.code, message: err.message, column: err.column },
  );
}

export type ClientMessage = { type: 'pause' } | { type: 'resume' };

/** A client's message, checked at runtime (never cast off the wire); null if not one of ours. */
export function parseClientMessage(data: string): ClientMessage | null {
  let v: unknown;
  try {
    v = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null || !('type' in v)) return null;
  const type = (v as { type: unknown }).type;
  return type === 'pause' || type === 'resume' ? { type } : null;
}
