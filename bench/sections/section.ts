/**
 * A benchmark section: one file under bench/sections/, listed once in index.ts. It runs
 * against the shared context (bench/lib/context.ts), adds tables and targets to the
 * report under its title, and belongs to one generated document:
 *
 *   main       BENCHMARKS.md (and the README's table): the default run
 *   sustained  BENCHMARKS-sustained.md: --sustained, the 10-minute run
 *   big        BENCHMARKS-big.md: --big, search over 50M records
 *
 * A new section (the spool's acks, PostgreSQL outages, compressed storage) is a new file
 * exporting a Section and one line in index.ts; a new document, one line in
 * bench/lib/documents.ts.
 */
import type { BenchContext } from '../lib/context.js';

export type DocName = 'main' | 'sustained' | 'big';

export interface Section {
  /** The name `--only` takes. */
  name: string;
  /** The heading of its part of the report. */
  title: string;
  doc: DocName;
  /** Runs in `npm run bench` without --only. */
  inDefault: boolean;
  run(ctx: BenchContext): Promise<void>;
}
