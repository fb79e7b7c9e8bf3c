import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DOCKER_SPLIT_BYTES, SyslogLineJoiner } from '../../../collector/syslog/join.js';
import type { SyslogMessage } from '../../../collector/syslog/message.js';
import { parseSyslog } from '../../../collector/syslog/parse.js';

const ctx = { receivedAt: Date.UTC(2026, 10, 28, 6, 24, 0), timezone: 'UTC' };

/** What Docker's syslog driver sends for one container line: 16384-byte pieces, each its own message. */
function dockerLine(text: Buffer, tag = '599aea6725e3', pri = 30, second = 48): SyslogMessage[] {
  const out: SyslogMessage[] = [];
  for (let i = 0; i < text.length || i === 0; i += DOCKER_SPLIT_BYTES) {
    const head = Buffer.from(`<${pri}>Nov 28 06:23:${second} ${tag}[29811]: `);
    out.push(
      parseSyslog(
        Buffer.concat([head, text.subarray(i, i + DOCKER_SPLIT_BYTES), Buffer.from('\n')]),
        ctx,
      ),
    );
  }
  return out;
}

function joiner(opts: { timeoutMs?: number; maxBytes?: number; maxPending?: number } = {}) {
  const emitted: SyslogMessage[] = [];
  const j = new SyslogLineJoiner({
    timeoutMs: opts.timeoutMs ?? 1000,
    maxBytes: opts.maxBytes ?? 1024 * 1024,
    maxPending: opts.maxPending,
    emit: (m) => emitted.push(m),
  });
  return { j, emitted };
}

describe('SyslogLineJoiner (Docker splits lines at 16 KiB, unmarked)', () => {
  it('joins a 40000-byte line sent as 16384 + 16384 + 7232', () => {
    const text = Buffer.from('x'.repeat(40_000));
    const parts = dockerLine(text);
    expect(parts.map((p) => p.messageBytes.length)).toEqual([16384, 16384, 7232]);
    const { j, emitted } = joiner();
    parts.forEach((p, i) => {
      j.push(p, i);
      expect(emitted).toHaveLength(i === 2 ? 1 : 0);
    });
    const [m] = emitted;
    expect(m?.message).toBe(text.toString());
    expect(m?.joined).toBe(3);
    expect([m?.appName, m?.procId, m?.tsSec]).toEqual(['599aea6725e3', '29811', parts[0]?.tsSec]);
    expect(j.size).toBe(0);
  });

  it('joins on bytes: a UTF-8 character cut by the split comes back whole', () => {
    const text = Buffer.from(`${'a'.repeat(DOCKER_SPLIT_BYTES - 1)}€ and more`);
    const parts = dockerLine(text);
    expect(parts[0]?.message.endsWith('\ufffd')).toBe(true);
    const { j, emitted } = joiner();
    for (const p of parts) j.push(p, 0);
    expect(emitted.map((m) => m.message)).toEqual([text.toString()]);
  });

  it('a line of exactly 16384 bytes is emitted alone once the timeout passes', () => {
    const [only] = dockerLine(Buffer.from('y'.repeat(DOCKER_SPLIT_BYTES)));
    const { j, emitted } = joiner({ timeoutMs: 500 });
    j.push(only as SyslogMessage, 1000);
    j.tick(1500);
    expect(emitted).toHaveLength(0);
    j.tick(1501);
    expect(emitted).toEqual([only]);
    expect(emitted[0]?.joined).toBeUndefined();
  });

  it('the timeout counts from the last part', () => {
    const parts = dockerLine(Buffer.from('z'.repeat(3 * DOCKER_SPLIT_BYTES)));
    const { j, emitted } = joiner({ timeoutMs: 100 });
    j.push(parts[0] as SyslogMessage, 0);
    j.push(parts[1] as SyslogMessage, 90);
    j.tick(150);
    expect(emitted).toHaveLength(0);
    j.push(parts[2] as SyslogMessage, 180);
    j.tick(281);
    expect(emitted.map((m) => [m.messageBytes.length, m.joined])).toEqual([
      [3 * DOCKER_SPLIT_BYTES, 3],
    ]);
  });

  it('keeps interleaved senders apart: tags, and stdout vs stderr of one container', () => {
    const a = dockerLine(Buffer.from('a'.repeat(20_000)), 'aaaaaaaaaaaa');
    const b = dockerLine(Buffer.from('b'.repeat(17_000)), 'bbbbbbbbbbbb');
    const aErr = dockerLine(Buffer.from('e'.repeat(16_390)), 'aaaaaaaaaaaa', 27);
    const short = dockerLine(Buffer.from('short'), 'cccccccccccc');
    const { j, emitted } = joiner();
    for (const m of [a[0], b[0], aErr[0], short[0], a[1], aErr[1], b[1]])
      j.push(m as SyslogMessage, 0);
    expect(emitted.map((m) => [m.appName, m.severity, m.message.length, m.joined])).toEqual([
      ['cccccccccccc', 6, 5, undefined],
      ['aaaaaaaaaaaa', 6, 20_000, 2],
      ['aaaaaaaaaaaa', 3, 16_390, 2],
      ['bbbbbbbbbbbb', 6, 17_000, 2],
    ]);
  });

  it('maxBytes: a line reaching the limit is emitted and the rest starts a new line', () => {
    const parts = dockerLine(Buffer.from('m'.repeat(5 * DOCKER_SPLIT_BYTES + 10)));
    const { j, emitted } = joiner({ maxBytes: 2 * DOCKER_SPLIT_BYTES });
    for (const p of parts) j.push(p, 0);
    expect(emitted.map((m) => [m.messageBytes.length, m.joined])).toEqual([
      [2 * DOCKER_SPLIT_BYTES, 2],
      [2 * DOCKER_SPLIT_BYTES, 2],
      [DOCKER_SPLIT_BYTES + 10, 2],
    ]);
  });

  it('maxPending: past the limit the oldest held line is emitted', () => {
    const { j, emitted } = joiner({ maxPending: 2 });
    const tags = ['aaaaaaaaaaa1', 'aaaaaaaaaaa2', 'aaaaaaaaaaa3'];
    for (const t of tags)
      j.push(dockerLine(Buffer.from('p'.repeat(DOCKER_SPLIT_BYTES)), t)[0] as SyslogMessage, 0);
    expect(emitted.map((m) => m.appName)).toEqual(['aaaaaaaaaaa1']);
    expect(j.size).toBe(2);
    j.flushAll();
    expect(emitted.map((m) => m.appName)).toEqual(tags);
  });

  it('passes other messages straight through, in order', () => {
    const { j, emitted } = joiner();
    const lines = ['one', 'two', 'three'].map((t) =>
      parseSyslog(`<13>Nov 28 06:23:03 vm app: ${t}`, ctx),
    );
    for (const m of lines) j.push(m, 0);
    expect(emitted).toEqual(lines);
  });

  it('any sequence of line lengths comes back line by line (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 60_000 }), { maxLength: 6 }),
        fc.boolean(),
        (lengths, interleave) => {
          // Even lines from one container, odd ones from another.
          const lines = lengths.map((len, i): [number, string] => [
            len,
            i % 2 ? 'bbbbbbbbbbbb' : 'aaaaaaaaaaaa',
          ]);
          const { j, emitted } = joiner({ timeoutMs: 10 });
          const sent = lines.map(([len, tag]) => dockerLine(Buffer.alloc(len, 0x61), tag));
          let now = 0;
          if (interleave) {
            // Parts of different senders' lines alternate; a line whose length is a
            // multiple of 16384 ends only by timeout, so lines are a tick apart.
            for (let i = 0; i < sent.length; i += 2) {
              const [x = [], y = []] = [sent[i], sent[i + 1]];
              for (let k = 0; k < Math.max(x.length, y.length); k++) {
                if (x[k]) j.push(x[k] as SyslogMessage, now);
                if (y[k]) j.push(y[k] as SyslogMessage, now);
              }
              now += 100;
              j.tick(now);
            }
          } else {
            for (const parts of sent) {
              for (const p of parts) j.push(p, now);
              now += 100;
              j.tick(now);
            }
          }
          const byTag = (pairs: [string, number][]) => {
            const out: Record<string, number[]> = {};
            for (const [tag, len] of pairs) (out[tag] ??= []).push(len);
            return out;
          };
          expect(byTag(emitted.map((m) => [m.appName ?? '', m.messageBytes.length]))).toEqual(
            byTag(lines.map(([len, tag]) => [tag, len])),
          );
          expect(emitted.every((m) => m.message.length === m.messageBytes.length)).toBe(true);
          expect(j.size).toBe(0);
        },
      ),
      { numRuns: 100 },
    );
  });
});
