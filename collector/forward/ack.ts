/**
 * The ack (Forward Protocol v1, "Response"): `{"ack": <chunk>}`, where the value "MUST be
 * the same value given by chunk option from client", encoded like the request. The chunk
 * comes from decodeRequest as sent: str -> string (re-encoded as str), bin -> Buffer
 * (re-encoded as bin). Clients compare it with `!==`/`==` against what they sent
 * (fluent-logger-node, fluent-logger-golang), so the type must survive.
 */
import { Packr } from 'msgpackr';
import type { WireMode } from './framer.js';

const packr = new Packr({ useRecords: false, variableMapSize: true });

export function encodeAck(chunk: unknown, mode: WireMode): Buffer {
  if (mode === 'json') {
    // JSON has no bytes: a Buffer chunk cannot come from a JSON connection, but stay total.
    const value = Buffer.isBuffer(chunk) ? chunk.toString('base64') : chunk;
    return Buffer.from(JSON.stringify({ ack: value ?? null }), 'utf8');
  }
  return packr.pack({ ack: chunk ?? null });
}
