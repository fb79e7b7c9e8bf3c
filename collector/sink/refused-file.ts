/**
 * Units PostgreSQL refuses for their data (a constraint an operator added, a value out of
 * a type's range), after the spool already acknowledged them: they can never be stored,
 * so they are kept here as NDJSON, one line per unit, instead of vanishing. Bounded
 * (past MAX_BYTES only the count and the log say it); rare by construction, so written
 * synchronously.
 */
import { appendFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { WriteUnit } from '../writer/unit.js';

const MAX_BYTES = 64 << 20;

export class RefusedFile {
  readonly path: string;

  constructor(dir: string) {
    this.path = path.join(dir, 'refused.ndjson');
  }

  /** Keeps the unit's records; false when the file is full (or cannot be written). */
  keep(seq: number, unit: WriteUnit, error: string): boolean {
    try {
      let size = 0;
      try {
        size = statSync(this.path).size;
      } catch {
        // not there yet
      }
      if (size >= MAX_BYTES) return false;
      const line = JSON.stringify({
        seq,
        refused_at: new Date().toISOString(),
        error,
        records: unit.records,
      });
      appendFileSync(this.path, `${line}\n`);
      return true;
    } catch {
      return false;
    }
  }
}
