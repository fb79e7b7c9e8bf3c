/**
 * What a source hands the writer: the records of one request (or of a group of syslog
 * lines), resolved once they are committed, or rejected when PostgreSQL refuses them.
 * A unit drained from the spool carries its spool sequence number, which its batch
 * records in spool_drained in the same transaction (migration 009).
 */
import type { LogRecord } from '../../core/record.js';

/** A Docker partial-line part kept durably until its line is complete. */
export interface StashedPart {
  key: string;
  ordinal: number;
  record: LogRecord;
}

export interface WriteUnit {
  records: LogRecord[];
  /** Forward `option.chunk`: a unit whose chunk was already stored is not stored again. */
  chunk?: string | null;
  stash?: StashedPart[];
  /** Joined lines replacing stashed parts: record `index` is written only if `key` is claimed. */
  claims?: { key: string; index: number }[];
  /** The unit's spool sequence number (set by the drain, never encoded in the spool). */
  seq?: number;
}
