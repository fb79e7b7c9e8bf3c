/**
 * The import's progress (cli/import/progress.ts) on a fake clock: a bar redrawn in place on
 * a terminal (lines, bytes of the total, rate, ETA), plain lines otherwise, nothing with
 * --quiet; the rate is over the last five seconds, not since the start.
 */
import { describe, expect, it } from 'vitest';
import { Progress, progressMode, type ProgressOut } from '../../../cli/import/progress.js';

function setup(mode: 'bar' | 'plain' | 'off', columns = 200) {
  let t = 0;
  const written: string[] = [];
  const out: ProgressOut = {
    write: (s: string) => written.push(s),
    isTTY: mode === 'bar',
    columns,
  };
  const p = new Progress(out, { mode, plainEveryMs: 2000, now: () => t });
  return {
    p,
    written,
    advance(ms: number) {
      t += ms;
    },
  };
}

describe('import progress', () => {
  it('a bar on a terminal, plain lines in a pipe or with NO_COLOR, nothing with --quiet', () => {
    expect(progressMode({ write: () => 0, isTTY: true }, {}, false)).toBe('bar');
    expect(progressMode({ write: () => 0, isTTY: true }, { NO_COLOR: '1' }, false)).toBe('plain');
    expect(progressMode({ write: () => 0 }, {}, false)).toBe('plain');
    expect(progressMode({ write: () => 0, isTTY: true }, {}, true)).toBe('off');
  });

  it('the bar: percent of the bytes, lines, bytes of the total, rate and ETA, redrawn in place at most 10 times a second', () => {
    const s = setup('bar');
    s.p.total = 10_000_000;
    s.p.current = 'web';
    s.advance(1000);
    s.p.add(50_000, 2_500_000);
    expect(s.written).toHaveLength(1);
    const line = s.written[0]!;
    expect(line.startsWith('\r[')).toBe(true);
    expect(line.endsWith('\x1b[K')).toBe(true);
    expect(line).toContain(' 25%  50,000 lines  2.5 MB/10.0 MB  50,000 lines/s  2.5 MB/s  ETA 3s');
    expect(line).toMatch(/web\x1b\[K$/);
    s.advance(50);
    s.p.add(1000, 50_000); // too soon: not drawn
    expect(s.written).toHaveLength(1);
    s.advance(60);
    s.p.add(1000, 50_000);
    expect(s.written).toHaveLength(2);
    s.p.done();
    expect(s.written.at(-1)).toBe('\n');
  });

  it('fits the terminal width', () => {
    const s = setup('bar', 60);
    s.p.total = 1e9;
    s.p.current = 'a-container-with-a-long-name';
    s.advance(1000);
    s.p.add(1, 1);
    expect(s.written[0]!.replace(/^\r/, '').replace(/\x1b\[K$/, '').length).toBeLessThan(60);
  });

  it('a note clears the bar and draws it again below', () => {
    const s = setup('bar');
    s.p.total = 100;
    s.advance(200);
    s.p.add(1, 10);
    s.p.note('logharbor import: reconnecting');
    expect(s.written.slice(1)).toEqual([
      '\r\x1b[K',
      'logharbor import: reconnecting\n',
      expect.stringMatching(/^\[#+\.+\]\s+10%.*\x1b\[K$/),
    ]);
  });

  it('plain lines every plainEveryMs, with the same figures', () => {
    const s = setup('plain');
    s.p.total = 4_000_000;
    s.advance(1000);
    s.p.add(10_000, 1_000_000);
    s.advance(1000);
    s.p.add(10_000, 1_000_000); // 2 s since the last line
    s.advance(500);
    s.p.add(10_000, 1_000_000); // too soon
    expect(s.written).toEqual([
      'import: 50% 20000 lines 2.0 MB/4.0 MB 10000 lines/s 1.0 MB/s ETA 2s\n',
    ]);
    s.p.done();
    expect(s.written.at(-1)).toMatch(/^import: 75% 30000 lines 3\.0 MB\/4\.0 MB .* ETA 1s\n$/);
  });

  it('the rate is over the last five seconds', () => {
    const s = setup('plain');
    s.p.total = 1e12;
    s.advance(2000);
    s.p.add(1_000_000, 1e9); // a fast start
    for (let i = 0; i < 10; i++) {
      s.advance(2000);
      s.p.add(1000, 1e6); // then 500 lines a second
    }
    expect(Math.round(s.p.rates().linesPerSec)).toBeGreaterThanOrEqual(500);
    expect(Math.round(s.p.rates().linesPerSec)).toBeLessThan(1000);
  });

  it('--quiet writes nothing, not even at the end', () => {
    const s = setup('off');
    s.advance(5000);
    s.p.add(5, 5);
    s.p.done();
    expect(s.written).toEqual([]);
  });
});
