/**
 * The benchmark corpus (issue 14): what a Docker host's 50 containers print, seeded and
 * deterministic (the same seed gives the same lines on every machine). The one entry
 * point of bench/corpus/ for search data, ingest load and the skip-index measurements:
 *
 *   const c = new Corpus(seed);
 *   const line = c.next(ms);   // container, stream, level, text
 *
 * Containers take turns by weight (bench/corpus/containers.ts: a few chatty, many quiet),
 * each printing from its own mix of formats (formats.ts); an event of several lines (a
 * Java stack trace, a PostgreSQL error with its DETAIL) comes out one line per turn of
 * that container, so other containers' lines fall between them as they do in Docker's
 * stream. Trace ids are shared: a request's trace id shows up in a few lines of several
 * services close in time; `finishedTraces` tells which id appeared how often.
 */
import { CONTAINER_SPECS, type ContainerSpec } from './containers.js';
import { FORMATS, type FormatName, type Level, type Line, type LineCtx } from './formats.js';
import { Rand, Weighted } from './random.js';
import { Stamp } from './stamp.js';

export type { FormatName, Level } from './formats.js';
export { CONTAINER_SPECS } from './containers.js';

/** Bump when the lines change: cached data sets made from older lines are then remade. */
export const CORPUS_VERSION = 1;

export interface Container extends ContainerSpec {
  /** 64 lower-case hex digits, as Docker's. */
  id: string;
}

export interface CorpusLine {
  container: Container;
  /** Which program's output it is (bench/corpus/formats.ts). */
  format: FormatName;
  stream: 'stdout' | 'stderr';
  /** The level the line states, or null (stack frames, nginx access, redis). */
  level: Level | null;
  text: string;
}

/** Syslog severities of the levels (RFC 5424 section 6.2.1). */
export const SEVERITY: Record<Level, number> = { error: 3, warn: 4, info: 6, debug: 7 };

/** Traces open at once; each new one past this closes the oldest. */
const OPEN_TRACES = 32;
/** Chance that a line carrying a trace id continues an open trace rather than starting one. */
const JOIN_TRACE = 0.55;

interface OpenTrace {
  id: string;
  lines: number;
}

export class Corpus {
  readonly containers: Container[];
  private readonly r: Rand;
  private readonly pickContainer: Weighted<number>;
  private readonly mixes: Weighted<FormatName>[];
  /** Lines of a container's current event still to come, last first. */
  private readonly pending: { line: Line; format: FormatName }[][];
  private readonly open: OpenTrace[] = [];
  /** Traces closed so far: id and how many lines carried it (trimmed by the caller). */
  readonly finishedTraces: OpenTrace[] = [];

  constructor(readonly seed = 1) {
    this.r = new Rand(seed);
    const ids = new Rand(seed ^ 0x5eed);
    this.containers = CONTAINER_SPECS.map((s) => ({ ...s, id: ids.hex(64) }));
    this.pickContainer = new Weighted(this.containers.map((c, i) => [i, c.weight] as const));
    this.mixes = this.containers.map((c) => new Weighted(c.mix.map(([f, w]) => [f, w] as const)));
    this.pending = this.containers.map(() => []);
  }

  /** The next line of the host's output, printed at `ms`. */
  next(ms: number): CorpusLine {
    const i = this.r.weighted(this.pickContainer);
    const container = this.containers[i]!;
    const queued = this.pending[i]!;
    if (queued.length === 0) {
      const ctx: LineCtx = {
        r: this.r,
        t: new Stamp(ms),
        service: container.service,
        trace: () => this.trace(),
      };
      const format = this.r.weighted(this.mixes[i]!);
      const lines = FORMATS[format](ctx);
      for (let k = lines.length - 1; k >= 0; k--) queued.push({ line: lines[k]!, format });
    }
    const { line, format } = queued.pop()!;
    return { container, format, stream: line.stream, level: line.level, text: line.text };
  }

  private trace(): { trace: string; span: string } {
    let t: OpenTrace;
    if (this.open.length > 0 && this.r.chance(JOIN_TRACE)) t = this.r.pick(this.open);
    else {
      t = { id: this.r.hex(32), lines: 0 };
      this.open.push(t);
      if (this.open.length > OPEN_TRACES) this.finishedTraces.push(this.open.shift()!);
    }
    t.lines++;
    return { trace: t.id, span: this.r.hex(16) };
  }
}

/** `n` lines of texts of corpus `seed`, printed `stepMs` apart from `startMs`. */
export function corpusLines(
  n: number,
  seed = 1,
  startMs = 1_764_000_000_000,
  stepMs = 37,
): CorpusLine[] {
  const c = new Corpus(seed);
  return Array.from({ length: n }, (_, i) => c.next(startMs + i * stepMs));
}
