/**
 * Terminal output of `logharbor search` and `tail`: the line layout, colour only when
 * asked, untrusted escape sequences neutralized, and the caret under a query error.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cleanMessage,
  colorFor,
  formatDropped,
  formatQueryError,
  formatRecord,
} from '../../../cli/output.js';
import type { StoredRecord } from '../../../core/record.js';

const base: StoredRecord = {
  id: '7',
  ts: '2026-11-28T08:40:22.123456789Z',
  received_at: '2026-11-28T08:40:22.200000Z',
  source: 'forward',
  host: 'h1',
  container_id: null,
  container_name: 'web',
  stream: 'stderr',
  tag: null,
  app: null,
  project: null,
  service: null,
  severity: null,
  facility: null,
  message: 'connection reset',
  attrs: null,
};

describe('cli output', () => {
  it('lays out time (ms, UTC), source, stream and level, message', () => {
    expect(formatRecord(base, { color: false })).toBe(
      '2026-11-28T08:40:22.123Z web stderr connection reset',
    );
    expect(
      formatRecord(
        { ...base, container_name: null, app: 'sshd', stream: null, severity: 4 },
        { color: false },
      ),
    ).toBe('2026-11-28T08:40:22.123Z sshd warning connection reset');
    expect(
      formatRecord({ ...base, container_name: null, host: null, stream: null }, { color: false }),
    ).toBe('2026-11-28T08:40:22.123Z - - connection reset');
  });

  it('colours only when asked: dim time, a stable colour per name, red stderr', () => {
    const line = formatRecord(base, { color: true });
    expect(line).toMatch(
      /^\x1b\[2m2026-11-28T08:40:22\.123Z\x1b\[0m \x1b\[\d+mweb\x1b\[0m \x1b\[31mstderr\x1b\[0m connection reset$/,
    );
    expect(formatRecord(base, { color: true })).toBe(line);
    expect(formatRecord(base, { color: false })).not.toContain('\x1b');
  });

  it('decides colour from the terminal and NO_COLOR', () => {
    expect(colorFor({ isTTY: true }, {})).toBe(true);
    expect(colorFor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colorFor({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(colorFor({}, {})).toBe(false);
  });

  it('keeps a message’s own colours only when colouring, and escapes every other control', () => {
    const m = 'a \x1b[1;31mred\x1b[0m \x1b]0;pwned\x07 \x1b[2J\rb\x9b1m\tc\nd\x00';
    expect(cleanMessage(m, { color: false })).toBe(
      'a red \\x1b]0;pwned\\x07 \\x1b[2J\\x0db\\x9b1m\tc\nd\\x00',
    );
    expect(cleanMessage(m, { color: true })).toBe(
      'a \x1b[1;31mred\x1b[0m \\x1b]0;pwned\\x07 \\x1b[2J\\x0db\\x9b1m\tc\nd\\x00\x1b[0m',
    );
  });

  it('never lets an escape through that is not a colour code', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom('\x1b', '[', ']', '1', ';', 'm', 'J', '\x07', '\x9b', 'a', '\n'),
        }),
        fc.boolean(),
        (s, color) => {
          const out = cleanMessage(s, { color });
          const withoutSgr = out.replace(/\x1b\[[0-9;:]*m/g, '');
          expect(withoutSgr).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/);
          if (!color) expect(out).toBe(withoutSgr);
        },
      ),
    );
  });

  it('marks the column of a query error with a caret', () => {
    expect(formatQueryError('container:web level:loud', 'unknown level', 21)).toBe(
      'unknown level\n  container:web level:loud\n                      ^',
    );
    expect(formatQueryError('a\nb', 'bad', 3)).toBe('bad');
    expect(formatQueryError('x', 'bad')).toBe('bad');
  });

  it('says how many records a slow reader missed', () => {
    expect(formatDropped(1)).toBe('-- 1 record dropped: this reader fell behind --');
    expect(formatDropped(12)).toContain('12 records');
  });
});
