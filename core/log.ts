/**
 * logharbor's own log: pino. JSON lines on stdout, or, when stdout is a terminal, the
 * same lines made readable (core/log-format.ts: time, level, message, key=value), coloured
 * unless NO_COLOR is set. The level is LOGHARBOR_LOG_LEVEL.
 */
import { pino, type DestinationStream, type Logger } from 'pino';
import { formatLogLine } from './log-format.js';

export type { Logger };

export interface LoggerOptions {
  /** Readable lines instead of JSON; default: when stdout is a terminal. */
  pretty?: boolean;
  /** Where lines go; default stdout. */
  out?: { write(s: string): unknown; isTTY?: boolean };
  env?: NodeJS.ProcessEnv;
}

export function createLogger(level: string, o: LoggerOptions = {}): Logger {
  const out = o.out ?? process.stdout;
  const env = o.env ?? process.env;
  const pretty = o.pretty ?? out.isTTY === true;
  const opts = { level, base: { app: 'logharbor' } };
  if (!pretty) return o.out ? pino(opts, o.out as DestinationStream) : pino(opts);
  const color = out.isTTY === true && !env.NO_COLOR;
  return pino(opts, { write: (line: string) => out.write(formatLogLine(line, color)) });
}

/** A logger that drops everything, for tests that check behaviour, not log lines. */
export const silentLogger: Logger = pino({ level: 'silent' });
