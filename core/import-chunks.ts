/**
 * The forward `option.chunk` ids that `logharbor import` sends (cli/import/): one shared
 * prefix, so the collector can tell an import's requests from a live sender's.
 *
 * - Kept forever in `forward_chunks` (collector/collector.ts, housekeeping prunes only the
 *   other ids after a day): an import run again a month later must still store nothing
 *   twice. One row per request of about 1000 lines, some 60 bytes.
 * - Not seen by the driver doctor (collector/forward/connection.ts): an import is a
 *   PackedForward client asking for acks with Docker's record, which the doctor would
 *   otherwise read as a container with `fluentd-request-ack` on.
 */

export const IMPORT_CHUNK_PREFIX = 'import:';

/** Whether a request's `option.chunk` is one an import sent. */
export function isImportChunk(chunk: unknown): boolean {
  return typeof chunk === 'string' && chunk.startsWith(IMPORT_CHUNK_PREFIX);
}
