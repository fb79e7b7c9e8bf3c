/**
 * `npm run bench`: the benchmarks of issues 8 and 14 against a real logharbor on this
 * machine, printed as tables with each target's figure, spread and PASS or MISS, and
 * written whole into generated documents (bench/lib/documents.ts):
 *
 *   npm run bench                          default sections -> BENCHMARKS.md, README's table
 *   npm run bench -- --quick               small sizes: a smoke run, nothing written
 *   npm run bench -- --only ingest,search  some sections, nothing written
 *   npm run bench -- --sustained [--rate N]  also the 10-minute run -> BENCHMARKS-sustained.md
 *   npm run bench -- --big                 also search over 50M records -> BENCHMARKS-big.md
 *   npm run bench -- --out FILE            every table of the run into FILE instead
 *
 * `--only sustained` or `--only big` writes that document alone. Sections are listed in
 * bench/sections/index.ts. Benchmarks target 127.0.0.1 only. Data sets are generated once
 * into .bench/ and reused; the ingest PostgreSQL cluster lives in .bench/pg-ingest/.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from '../dev/build.js';
import { BenchContext, type BenchOptions } from './lib/context.js';
import {
  DOCS,
  documentText,
  readmeWithBench,
  writeDocument,
  type RunInfo,
} from './lib/documents.js';
import {
  describeMachine,
  machineLines,
  sharingLine,
  sharingStart,
  type Machine,
} from './lib/machine.js';
import { Report } from './lib/report.js';
import { SECTIONS } from './sections/index.js';
import type { DocName, Section } from './sections/section.js';

function options(): BenchOptions {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      big: { type: 'boolean', default: false },
      sustained: { type: 'boolean', default: false },
      rate: { type: 'string' },
      only: { type: 'string' },
      out: { type: 'string' },
    },
    strict: true,
  });
  const only = values.only?.split(',').map((s) => s.trim()) ?? null;
  for (const s of only ?? [])
    if (!SECTIONS.some((x) => x.name === s))
      throw new Error(`--only ${s}: sections are ${SECTIONS.map((x) => x.name).join(', ')}`);
  const rate = values.rate === undefined ? null : Number(values.rate);
  if (rate !== null && !(rate > 0)) throw new Error(`--rate ${values.rate}: events per second > 0`);
  return {
    quick: values.quick,
    big: values.big || (only?.includes('big') ?? false),
    sustained: values.sustained || (only?.includes('sustained') ?? false),
    rate,
    only,
    out: values.out ?? null,
  };
}

const opts = options();
const chosen: Section[] = SECTIONS.filter((s) =>
  opts.only
    ? opts.only.includes(s.name)
    : s.inDefault || (s.name === 'sustained' && opts.sustained) || (s.name === 'big' && opts.big),
);
const report = new Report();
const ctx = new BenchContext(opts, report);
const started = Date.now();
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    process.stdout.write(`\n${signal}: stopping\n`);
    void ctx.close().finally(() => process.exit(130));
  });
let failed = false;
const minutes = new Map<string, number>();
const sharing = sharingStart();
let machine: Machine;
try {
  machine = await describeMachine(ctx);
  process.stdout.write(`${machineLines(machine, opts).join('\n')}\n`);
  for (const section of chosen) {
    const t0 = Date.now();
    process.stdout.write(`\n== ${section.name} ==\n`);
    try {
      await section.run(ctx);
    } catch (e) {
      failed = true;
      process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
      report.problem(
        section.title,
        `section ${section.name} failed: ${(e as Error).message ?? String(e)}`,
      );
    }
    minutes.set(section.name, (Date.now() - t0) / 60_000);
    process.stdout.write(`(${section.name}: ${((Date.now() - t0) / 1000).toFixed(0)} s)\n`);
  }
} finally {
  await ctx.close();
}
// After ctx.close(): every process the run started has exited and been counted.
const used = sharing();
const shared = sharingLine(used);
report.printTargets();
process.stdout.write(`\n${shared}\nTotal: ${((Date.now() - started) / 60_000).toFixed(1)} min\n`);

const info: RunInfo = {
  args: process.argv.slice(2).join(' '),
  date: new Date(started).toISOString().replace(/\.\d+Z$/, 'Z'),
  minutes,
  machine: machineLines(machine, opts),
  sharing: shared,
  short: `${machine.cpu}, ${machine.cores} cores, ${machine.ramGb.toFixed(0)} GiB; other work took ${(100 * used.others).toFixed(0)}% of its CPU during the run`,
};
/** A document is rewritten when every section of it ran in a full-size run. */
const complete = (doc: DocName) =>
  SECTIONS.filter((s) => s.doc === doc && (doc !== 'main' || s.inDefault)).every((s) =>
    chosen.includes(s),
  );
if (opts.out) {
  const docs = [...new Set(chosen.map((s) => s.doc))];
  writeFileSync(opts.out, docs.map((d) => documentText(d, chosen, report, info, ROOT)).join('\n'));
  process.stdout.write(`Written to ${opts.out}\n`);
} else if (!opts.quick) {
  for (const doc of Object.keys(DOCS) as DocName[]) {
    if (!complete(doc)) continue;
    // The main document last, so that it links the others as just written.
    if (doc === 'main') continue;
    writeDocument(path.join(ROOT, DOCS[doc].file), documentText(doc, chosen, report, info, ROOT));
    process.stdout.write(`Written to ${DOCS[doc].file}\n`);
  }
  if (complete('main')) {
    writeDocument(
      path.join(ROOT, DOCS.main.file),
      documentText('main', chosen, report, info, ROOT),
    );
    process.stdout.write(`Written to ${DOCS.main.file}\n`);
    const file = path.join(ROOT, 'README.md');
    const readme = readmeWithBench(readFileSync(file, 'utf8'), chosen, report, info);
    if (readme === null)
      process.stdout.write('README.md has no <!-- bench:begin --> block: not rewritten\n');
    else {
      writeFileSync(file, readme);
      process.stdout.write('README.md: benchmark table rewritten\n');
    }
  }
}
process.exit(failed ? 1 : 0);
