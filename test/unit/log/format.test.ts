/**
 * logharbor's own log on a terminal (core/log-format.ts): time, level, message and
 * key=value fields instead of JSON; JSON stays JSON off a terminal.
 */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../core/log.js';
import { formatLogLine } from '../../../core/log-format.js';

const T = Date.parse('2026-03-01T14:03:27.512Z');
const local = (ms: number) => {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
};

describe('formatLogLine', () => {
  it('prints time, level, message and the other fields', () => {
    const line = JSON.stringify({
      level: 30,
      time: T,
      pid: 1,
      hostname: 'h',
      app: 'logharbor',
      role: 'collector',
      msg: 'migrations applied',
      applied: ['010_x.sql'],
      reason: 'two words',
      n: 3,
    });
    expect(formatLogLine(line, false)).toBe(
      `${local(T)} INFO  migrations applied role=collector applied=["010_x.sql"] reason="two words" n=3\n`,
    );
  });

  it('colours the level on a terminal', () => {
    const out = formatLogLine(JSON.stringify({ level: 50, time: T, msg: 'x' }), true);
    expect(out).toContain('\x1b[31mERROR\x1b[0m');
  });

  it('puts an error message inline and its stack below', () => {
    const err = { type: 'Error', message: 'boom', stack: 'Error: boom\n    at a (x.js:1:1)' };
    expect(formatLogLine(JSON.stringify({ level: 40, time: T, msg: 'failed', err }), false)).toBe(
      `${local(T)} WARN  failed err=boom\n    at a (x.js:1:1)\n`,
    );
  });

  it('escapes control characters from the wire, and passes through what is not JSON', () => {
    const out = formatLogLine(
      JSON.stringify({ level: 30, time: T, msg: 'a\nb', tag: '\x1b]0;x\x07' }),
      false,
    );
    expect(out).toBe(`${local(T)} INFO  a\\x0ab tag=\\x1b]0;x\\x07\n`);
    expect(formatLogLine('plain text\n', false)).toBe('plain text\n');
  });
});

describe('createLogger', () => {
  const sink = (isTTY: boolean) => {
    const lines: string[] = [];
    return { lines, out: { isTTY, write: (s: string) => lines.push(s) } };
  };

  it('writes JSON off a terminal and readable lines on one, at the level asked', () => {
    const json = sink(false);
    createLogger('info', { out: json.out }).info({ k: 'v' }, 'hello');
    expect(JSON.parse(json.lines[0]!)).toMatchObject({ level: 30, msg: 'hello', k: 'v' });
    const tty = sink(true);
    const log = createLogger('warn', { out: tty.out, env: {} });
    log.info('hidden');
    log.warn({ k: 'v' }, 'shown');
    expect(tty.lines).toHaveLength(1);
    expect(tty.lines[0]).toMatch(
      /^\x1b\[2m\d\d:\d\d:\d\d\.\d{3}\x1b\[0m \x1b\[33mWARN \x1b\[0m shown /,
    );
    const plain = sink(true);
    createLogger('info', { out: plain.out, env: { NO_COLOR: '1' } }).info('x');
    expect(plain.lines[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}x\n$/);
  });
});
