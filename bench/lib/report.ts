/**
 * What a benchmark run prints and writes: tables (printed as soon as a section has them,
 * as aligned Markdown that reads well in a terminal), the targets of issue 8 each with
 * PASS or MISS, and BENCHMARKS.md: the machine, every table, the targets.
 */
import { writeFileSync } from 'node:fs';

export type Cell = string | number;

export interface Table {
  title: string;
  head: string[];
  rows: Cell[][];
  /** Lines printed under the table: how it was measured, what it is compared with. */
  notes?: string[];
}

export interface Target {
  section: string;
  what: string;
  /** The measured value as shown, e.g. "0.62 of ceiling" or "14.2 ms". */
  value: string;
  target: string;
  /** null: could not be measured (the note says why). */
  pass: boolean | null;
}

/** 12345.6 -> "12,346"; small numbers keep `digits` decimals. */
export function num(x: number, digits = 0): string {
  if (!Number.isFinite(x)) return '-';
  return x.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

export const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(x < 10 ? 1 : 0) : '-');
export const ratio = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '-');

/** Numbers, "-", and number lists like "13 / 16 / 0" are right-aligned. */
const NUMERIC = /^(-|[<>=]*\s*-?[\d,.]+( \/ -?[\d,.]+)*( ?(ms|MB|%|x))?)$/;

function markdown(t: Table): string {
  const cells = [t.head, ...t.rows.map((r) => r.map(String))];
  const widths = t.head.map((_, i) => Math.max(3, ...cells.map((r) => (r[i] ?? '').length)));
  const right = t.head.map(
    (_, i) =>
      t.rows.length > 0 &&
      t.rows.every((r) => r[i] === undefined || r[i] === '' || NUMERIC.test(String(r[i]))),
  );
  const line = (r: string[]) =>
    `| ${r.map((c, i) => (right[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (right[i] ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  const out = [`### ${t.title}`, '', line(t.head), rule, ...cells.slice(1).map(line)];
  if (t.notes?.length) out.push('', ...t.notes.map((n) => `- ${n}`));
  return out.join('\n');
}

const verdict = (p: boolean | null) => (p === null ? 'n/a' : p ? 'PASS' : 'MISS');

export class Report {
  readonly tables: { section: string; table: Table }[] = [];
  readonly targets: Target[] = [];
  readonly problems: string[] = [];

  /** Adds a table and prints it at once (a long run shows results as they come). */
  table(section: string, t: Table): void {
    this.tables.push({ section, table: t });
    process.stdout.write(`\n${markdown(t)}\n`);
  }

  target(t: Target): void {
    this.targets.push(t);
  }

  /** A section that could not run, or a row it had to skip: printed and written. */
  problem(text: string): void {
    this.problems.push(text);
    process.stdout.write(`\n!! ${text}\n`);
  }

  targetsTable(): Table {
    return {
      title: 'Targets (issue 8)',
      head: ['section', 'what', 'measured', 'target', 'result'],
      rows: this.targets.map((t) => [t.section, t.what, t.value, t.target, verdict(t.pass)]),
    };
  }

  printTargets(): void {
    process.stdout.write(`\n${markdown(this.targetsTable())}\n`);
    for (const p of this.problems) process.stdout.write(`\n!! ${p}\n`);
  }

  write(file: string, intro: string[]): void {
    const parts = [...intro, '', markdown(this.targetsTable())];
    if (this.problems.length)
      parts.push('', '## Skipped or failed', '', ...this.problems.map((p) => `- ${p}`));
    let section = '';
    for (const { section: s, table } of this.tables) {
      if (s !== section) parts.push('', `## ${s}`);
      section = s;
      parts.push('', markdown(table));
    }
    writeFileSync(file, `${parts.join('\n')}\n`);
  }
}
