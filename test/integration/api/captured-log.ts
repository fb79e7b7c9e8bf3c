/** A real pino logger (as core/log.ts makes) whose JSON lines land in memory for a test to read. */
import { pino } from 'pino';
import type { Logger } from '../../../core/log.js';

export interface CapturedLog {
  log: Logger;
  /** Every line written, verbatim. */
  lines: string[];
  /** The lines parsed. */
  entries(): Record<string, unknown>[];
}

export function captureLog(level = 'trace'): CapturedLog {
  const lines: string[] = [];
  const log = pino({ level, base: { app: 'logharbor' } }, { write: (s: string) => lines.push(s) });
  return {
    log,
    lines,
    entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
