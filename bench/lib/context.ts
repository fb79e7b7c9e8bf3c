/**
 * What every section of bench/run.ts gets: the options, the report, sizes for a full or
 * a quick run, the shared PostgreSQL cluster (started on first use), a scratch
 * directory, and what earlier sections measured that later ones build on (the maximum
 * rate, the ceilings, search timings per table size).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startCluster, type Cluster } from './cluster.js';
import type { Report } from './report.js';
import type { Baselines, QueryTiming, Runs } from './search-mix.js';

export interface BenchOptions {
  quick: boolean;
  big: boolean;
  sustained: boolean;
  /** --rate for the sustained run; null: find it. */
  rate: number | null;
  /** --only: the sections to run; null: every default section. */
  only: string[] | null;
  /** --out: write every table of the run to this file (and no generated document). */
  out: string | null;
}

export interface Sizes {
  /** PackedForward events at full speed, Message-mode events, and the cap on each run. */
  packed: number;
  packedSeconds: number;
  message: number;
  messageSeconds: number;
  warmup: number;
  /** Seconds of each fixed-rate run (ack at half rate, tail latency). */
  pacedSeconds: number;
  /** Fixed-rate runs at half the maximum rate, per request shape. */
  pacedRuns: number;
  /** Lines of the corpus sample measured for size and compression. */
  corpusSample: number;
  syslogTcp: number;
  /** TCP runs of logharbor; the median is kept. */
  syslogRuns: number;
  syslogUdp: number;
  rsyslog: number;
  rsyslogSeconds: number;
  /** Records of the search data set of the search section. */
  search: number;
  /** Table sizes of the search scaling curve, and of the --big one. */
  searchSizes: number[];
  bigSearchSizes: number[];
  /** Runs per search query: at least `min`, up to `max` or `seconds`. */
  searchRuns: Runs;
  /** The same for the passes through a running logharbor, idle and under ingest. */
  liveSearchRuns: Runs;
  scalingPacked: number;
  scalingMessage: number;
  scalingSeconds: number;
  sustainedSeconds: number;
}

export function sizesFor(o: BenchOptions): Sizes {
  if (o.quick)
    return {
      packed: 50_000,
      packedSeconds: 15,
      message: 10_000,
      messageSeconds: 8,
      warmup: 10_000,
      pacedSeconds: 3,
      pacedRuns: 2,
      corpusSample: 100_000,
      syslogTcp: 30_000,
      syslogRuns: 2,
      syslogUdp: 10_000,
      rsyslog: 20_000,
      rsyslogSeconds: 8,
      search: 100_000,
      searchSizes: [20_000, 100_000],
      bigSearchSizes: [20_000, 100_000, 200_000],
      searchRuns: { min: 10, max: 50, seconds: 2 },
      liveSearchRuns: { min: 5, max: 20, seconds: 1 },
      scalingPacked: 20_000,
      scalingMessage: 3_000,
      scalingSeconds: 5,
      sustainedSeconds: 30,
    };
  return {
    packed: 600_000,
    packedSeconds: 60,
    message: 150_000,
    messageSeconds: 30,
    warmup: 100_000,
    pacedSeconds: 15,
    pacedRuns: 3,
    corpusSample: 1_000_000,
    syslogTcp: 300_000,
    syslogRuns: 3,
    syslogUdp: 150_000,
    rsyslog: 200_000,
    rsyslogSeconds: 45,
    search: 10_000_000,
    searchSizes: [1_000_000, 10_000_000],
    bigSearchSizes: [1_000_000, 10_000_000, 50_000_000],
    searchRuns: { min: 20, max: 100, seconds: 10 },
    liveSearchRuns: { min: 20, max: 50, seconds: 5 },
    scalingPacked: 300_000,
    scalingMessage: 40_000,
    scalingSeconds: 15,
    sustainedSeconds: 600,
  };
}

/** The search mix over one data set, and the baselines on the same lines. */
export interface SearchResult {
  n: number;
  queries: QueryTiming[];
  baselines: Baselines;
}

export interface Measured {
  /** PackedForward events/s at full speed (ingest section, the median run). */
  maxPackedRate?: number;
  /** rows/s of the ceiling (bench/lib/ceiling.ts) and of the old one, same rows. */
  ceiling?: number;
  oldCeiling?: number;
  /** Search per table size. */
  search: Map<number, SearchResult>;
}

export class BenchContext {
  readonly sizes: Sizes;
  readonly measured: Measured = { search: new Map() };
  readonly scratch = mkdtempSync(path.join(tmpdir(), 'lh-bench-run-'));
  private cluster: Promise<Cluster> | null = null;

  constructor(
    readonly opts: BenchOptions,
    readonly report: Report,
  ) {
    this.sizes = sizesFor(opts);
  }

  /** A progress line (not part of the report). */
  log(text: string): void {
    process.stdout.write(`  [${new Date().toISOString().slice(11, 19)}] ${text}\n`);
  }

  /** The shared ingest cluster (bench/lib/cluster.ts), started on first use. */
  pg(): Promise<Cluster> {
    this.cluster ??= startCluster();
    return this.cluster;
  }

  async close(): Promise<void> {
    if (this.cluster) await (await this.cluster).stop();
    rmSync(this.scratch, { recursive: true, force: true });
  }
}
