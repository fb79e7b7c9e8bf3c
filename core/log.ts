/** logharbor's own log: pino, JSON lines on stdout (pretty enough for a terminal with pino-pretty). */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({ level, base: { app: 'logharbor' } });
}

/** A logger that drops everything, for tests that check behaviour, not log lines. */
export const silentLogger: Logger = pino({ level: 'silent' });
