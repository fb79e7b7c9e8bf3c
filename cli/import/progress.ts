/**
 * The import's progress on stderr: lines and bytes acked, rate and time left.
 *
 * On a terminal (and unless NO_COLOR is set) one line redrawn in place, at most ten times
 * a second:
 *
 *   [##########..........]  48%  512,000 lines  61.2/127.5 MB  98,400 lines/s  11.8 MB/s  ETA 6s  web
 *
 * otherwise (a pipe, a log file, NO_COLOR) a plain line every `plainEveryMs`:
 *
 *   import: 48% 512000 lines 61.2/127.5 MB 98400 lines/s 11.8 MB/s ETA 6s (web)
 *
 * The rate is over the last five seconds; the total is the bytes of text still to import,
 * estimated for gzip files from their trailer.
 */

export interface ProgressOut {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  mode: 'bar' | 'plain' | 'off';
  plainEveryMs: number;
  now?: () => number;
}

export function progressMode(
  out: ProgressOut,
  env: NodeJS.ProcessEnv,
  quiet: boolean,
): 'bar' | 'plain' | 'off' {
  if (quiet) return 'off';
  return out.isTTY === true && !env.NO_COLOR ? 'bar' : 'plain';
}

const WINDOW_MS = 5000;

export function formatBytes(n: number): string {
  if (n < 1e3) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

const group = (n: number) => Math.round(n).toLocaleString('en-US');

export class Progress {
  lines = 0;
  bytes = 0;
  total = 0;
  current = '';
  private readonly started: number;
  private samples: { t: number; lines: number; bytes: number }[] = [];
  private lastDraw = 0;
  private drawn = false;
  private readonly now: () => number;

  constructor(
    private readonly out: ProgressOut,
    private readonly o: ProgressOptions,
  ) {
    this.now = o.now ?? (() => performance.now());
    this.started = this.now();
    this.samples.push({ t: this.started, lines: 0, bytes: 0 });
  }

  get elapsedMs(): number {
    return this.now() - this.started;
  }

  add(lines: number, bytes: number): void {
    this.lines += lines;
    this.bytes += bytes;
    this.tick();
  }

  /** Redraws (bar) or prints (plain) when it is time. */
  tick(force = false): void {
    if (this.o.mode === 'off') return;
    const t = this.now();
    const every = this.o.mode === 'bar' ? 100 : this.o.plainEveryMs;
    if (!force && t - this.lastDraw < every) return;
    this.lastDraw = t;
    this.samples.push({ t, lines: this.lines, bytes: this.bytes });
    while (this.samples.length > 2 && t - this.samples[1]!.t > WINDOW_MS) this.samples.shift();
    if (this.o.mode === 'bar') {
      this.out.write(`\r${this.barLine()}\x1b[K`);
      this.drawn = true;
    } else this.out.write(`${this.plainLine()}\n`);
  }

  /** A message between progress lines (the bar is cleared and drawn again after it). */
  note(line: string): void {
    if (this.o.mode === 'bar' && this.drawn) this.out.write('\r\x1b[K');
    this.out.write(`${line}\n`);
    if (this.o.mode === 'bar' && this.drawn) this.out.write(`${this.barLine()}\x1b[K`);
  }

  /** The last figures, then the bar's line is left. */
  done(): void {
    if (this.o.mode === 'off') return;
    this.tick(true);
    if (this.o.mode === 'bar') this.out.write('\n');
  }

  rates(): { linesPerSec: number; bytesPerSec: number } {
    const first = this.samples[0]!;
    const t = this.now();
    const dt = (t - first.t) / 1000;
    if (dt <= 0) return { linesPerSec: 0, bytesPerSec: 0 };
    return {
      linesPerSec: (this.lines - first.lines) / dt,
      bytesPerSec: (this.bytes - first.bytes) / dt,
    };
  }

  private figures(): { pct: number; rate: string; eta: string } {
    const { linesPerSec, bytesPerSec } = this.rates();
    const pct = this.total > 0 ? Math.min(100, Math.floor((this.bytes / this.total) * 100)) : 100;
    const left = Math.max(0, this.total - this.bytes);
    const eta = bytesPerSec > 0 ? formatDuration((left / bytesPerSec) * 1000) : '?';
    return {
      pct,
      rate: `${group(linesPerSec)} lines/s  ${formatBytes(Math.round(bytesPerSec))}/s`,
      eta,
    };
  }

  barLine(): string {
    const f = this.figures();
    const text = `${String(f.pct).padStart(3)}%  ${group(this.lines)} lines  ${formatBytes(this.bytes)}/${formatBytes(this.total)}  ${f.rate}  ETA ${f.eta}`;
    const cols = this.out.columns ?? 80;
    const width = Math.max(10, Math.min(30, cols - text.length - 6));
    const filled = Math.round((f.pct / 100) * width);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}  ${this.current}`;
    return line.length > cols - 1 ? line.slice(0, cols - 1) : line;
  }

  plainLine(): string {
    const f = this.figures();
    return `import: ${f.pct}% ${this.lines} lines ${formatBytes(this.bytes)}/${formatBytes(this.total)} ${f.rate.replace(/,/g, '').replace('  ', ' ')} ETA ${f.eta}${this.current ? ` (${this.current})` : ''}`;
  }
}
