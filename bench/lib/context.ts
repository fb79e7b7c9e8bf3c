/**
 * What every section of bench/run.ts gets: the options, the report, sizes for a full or
 * a quick run, the shared PostgreSQL cluster (started on first use), a scratch
 * directory, and what earlier sections measured that later ones build on (the maximum
 * rate, the ceiling, search timings per table size).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startCluster, type Cluster } from './cluster.js';
import type { Report } from './report.js';
import type { MixResult, Runs } from './search-mix.js';

export interface BenchOptions {
  quick: boolean;
  big: boolean;
  sustained: boolean;
  /** --rate for the sustained run; null: find it. */
  rate: number | null;
  /** --only: the sections to run; null: every default section. */
  only: string[] | null;
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
  syslogTcp: number;
  syslogUdp: number;
  rsyslog: number;
  rsyslogSeconds: number;
  /** Records of the search data set of the search section. */
  search: number;
  /** Table sizes of the search scaling curve. */
  searchSizes: number[];
  /** Runs per search query: at least `min`, up to `max` or `seconds`. */
  searchRuns: Runs;
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
      syslogTcp: 30_000,
      syslogUdp: 10_000,
      rsyslog: 20_000,
      rsyslogSeconds: 8,
      search: 100_000,
      searchSizes: [20_000, 100_000],
      searchRuns: { min: 10, max: 50, seconds: 2 },
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
    syslogTcp: 300_000,
    syslogUdp: 150_000,
    rsyslog: 200_000,
    rsyslogSeconds: 45,
    search: 10_000_000,
    searchSizes: o.big ? [1_000_000, 10_000_000, 50_000_000] : [1_000_000, 10_000_000],
    searchRuns: { min: 20, max: 100, seconds: 10 },
    scalingPacked: 300_000,
    scalingMessage: 40_000,
    scalingSeconds: 15,
    sustainedSeconds: 600,
  };
}

export interface Measured {
  /** PackedForward events/s at full speed (ingest section). */
  maxPackedRate?: number;
  /** rows/s of `\copy` into the unindexed table. */
  ceilingUnindexed?: number;
  ceilingLabel?: string;
  /** Search mix per table size. */
  search: Map<number, MixResult>;
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
