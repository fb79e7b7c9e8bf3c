/**
 * What a benchmark run prints and writes: tables (printed as soon as a section has them,
 * as aligned Markdown that reads well in a terminal), the targets (each with the figure
 * kept, its spread over the runs behind it, and PASS or MISS beside them), and the
 * generated documents: every table and target of a document's sections, nothing added
 * by hand (bench/lib/documents.ts writes them).
 */
export type Cell = string | number;

export interface Table {
  title: string;
  head: string[];
  rows: Cell[][];
  /** Lines printed under the table: how it was measured, what it is compared with. */
  notes?: string[];
}

export interface Target {
  /** The section's title. */
  section: string;
  what: string;
  /** The figure judged, as shown, e.g. "0.14 (118,203 vs 837,323)" or "14 ms". */
  value: string;
  /** Its spread over the runs behind it, e.g. "0.13-0.16 over 3 runs". */
  spread: string;
  target: string;
  /** The figure before issue 17, where known (bench/lib/targets.ts). */
  old?: string | undefined;
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

/** "a-b over n runs" of the values, formatted by `f`. */
export function spread(xs: number[], f: (x: number) => string, what = 'runs'): string {
  if (xs.length === 0) return '-';
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return `${f(lo)}-${f(hi)} over ${xs.length} ${what}`;
}

/** Numbers, "-", and number lists like "13 / 16 / 0" are right-aligned. */
const NUMERIC = /^(-|[<>=]*\s*-?[\d,.]+( \/ -?[\d,.]+)*( ?(ms|MB|%|x))?)$/;

export function markdown(t: Table, level = '###'): string {
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
  const out = [`${level} ${t.title}`, '', line(t.head), rule, ...cells.slice(1).map(line)];
  if (t.notes?.length) out.push('', ...t.notes.map((n) => `- ${n}`));
  return out.join('\n');
}

export const verdict = (p: boolean | null) => (p === null ? 'n/a' : p ? 'PASS' : 'MISS');

export class Report {
  readonly tables: { section: string; table: Table }[] = [];
  readonly targets: Target[] = [];
  readonly problems: { section: string; text: string }[] = [];
  /** One-line summaries a section offers the README's block (the ceiling, the corpus). */
  readonly headlines: { section: string; text: string }[] = [];

  /** Adds a table and prints it at once (a long run shows results as they come). */
  table(section: string, t: Table): void {
    this.tables.push({ section, table: t });
    process.stdout.write(`\n${markdown(t)}\n`);
  }

  target(t: Target): void {
    this.targets.push(t);
  }

  headline(section: string, text: string): void {
    this.headlines.push({ section, text });
  }

  /** A section that could not run, or a row it had to skip: printed and written. */
  problem(section: string, text: string): void {
    this.problems.push({ section, text });
    process.stdout.write(`\n!! ${text}\n`);
  }

  /** The targets of the given sections (all when omitted) as a table. */
  targetsTable(sections?: string[], title = 'Targets'): Table {
    const rows = this.targets.filter((t) => !sections || sections.includes(t.section));
    // The column of figures before issue 17 only when some target has one.
    const old = rows.some((t) => t.old !== undefined);
    return {
      title,
      head: [
        'section',
        'what',
        'measured',
        'over the runs',
        'target',
        'result',
        ...(old ? ['before packs'] : []),
      ],
      rows: rows.map((t) => [
        t.section,
        t.what,
        t.value,
        t.spread,
        t.target,
        verdict(t.pass),
        ...(old ? [t.old ?? ''] : []),
      ]),
    };
  }

  printTargets(): void {
    process.stdout.write(`\n${markdown(this.targetsTable())}\n`);
    for (const p of this.problems) process.stdout.write(`\n!! ${p.text}\n`);
  }
}
