/**
 * The logharbor the benchmarks (and the reliability tests, through bench/lib/server.ts)
 * run: the current sources (core, collector, api, cli, server) compiled file by file with
 * esbuild, as tsc would into dist/, so nothing measures a stale dist/ or writes to it.
 * Takes about a second. Each process (and worker thread) builds into a directory of its
 * own under .bench/build/, removed when it exits, so concurrent runs never see each
 * other's half-written files. The package root (migrations/, web/dist/) is found from
 * there as from dist/ (core/paths.ts walks up to package.json beside migrations/).
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import { build } from 'esbuild';

export const ROOT = path.resolve(import.meta.dirname, '..');
const BUILDS = path.join(ROOT, '.bench', 'build');
const DIRS = ['core', 'collector', 'api', 'cli', 'server'];

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => path.join(ROOT, dir, f));
}

/** Removes the builds of processes that are gone (killed before they could clean up). */
function pruneDead(): void {
  if (!existsSync(BUILDS)) return;
  for (const name of readdirSync(BUILDS)) {
    const pid = /^(\d+)-\d+$/.exec(name)?.[1];
    if (pid === undefined || !existsSync(`/proc/${pid}`))
      rmSync(path.join(BUILDS, name), { recursive: true, force: true });
  }
}

/**
 * Compiles the sources; returns the entry point to run with node (`<it> serve`).
 * LOGHARBOR_BENCH_BUILD=dist runs the tsc output of `npm run build` instead (dist/ as
 * shipped, e.g. while the sources are half-way through a change).
 */
export async function buildLogharbor(): Promise<string> {
  if (process.env.LOGHARBOR_BENCH_BUILD === 'dist')
    return path.join(ROOT, 'dist', 'cli', 'main.js');
  pruneDead();
  const out = path.join(BUILDS, `${process.pid}-${threadId}`);
  rmSync(out, { recursive: true, force: true });
  process.once('exit', () => rmSync(out, { recursive: true, force: true }));
  await build({
    entryPoints: DIRS.flatMap(sources),
    outdir: out,
    outbase: ROOT,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    tsconfig: path.join(ROOT, 'tsconfig.json'),
    logLevel: 'error',
  });
  return path.join(out, 'cli', 'main.js');
}
