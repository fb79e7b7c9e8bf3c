/**
 * Every target the benchmarks judge, in one table (the sections judge against these, the
 * documents print them with where they came from). Ratios are against the ceiling of the
 * same run (bench/lib/ceiling.ts). Issue 8 set its ratio targets against one text `\copy`
 * session; issue 14 replaced that ceiling with the fastest loader of the same rows, and
 * restated each ratio target on the new scale: the old target times RESTATE, the old
 * ceiling's share of the new one. Latency targets keep their values but are now counted
 * from when a request was due, which can only make them harder.
 */
import { DURABILITY_TARGETS } from './durability-targets.js';
import { ratio } from './report.js';

/**
 * Old ceiling / new ceiling: 221,620 / 837,323 rows/s, the same 300,000 forward-ingested
 * rows loaded both ways in one run, the measurement issue 14 was filed with. With other
 * work on both cores the two sessions gain less and the share rises (0.42-0.47 in the
 * runs made for issue 14 at load averages of 10-20); every run prints its own. Times 0.5,
 * the old forward target, it gives 0.13: a run at 0.50 of the old ceiling (the last full
 * run before issue 14, PASS) would sit at the restated target as it sat at the old one.
 */
export const RESTATE = 0.26;

export interface TargetDef {
  what: string;
  /** `>=` or `<`, with its limit and unit. */
  op: '>=' | '<' | '<=';
  limit: number;
  unit: '' | 'x' | ' ms' | ' MB' | ' s' | '%';
  /** Where the target comes from, and what it was before issue 14 if it changed. */
  origin: string;
  /** The figure before issue 17 (compressed storage), where one was measured. */
  old?: string;
}

/** A ratio target of issue 8 restated against the new ceiling. */
function restated(what: string, old: number, later?: string): TargetDef {
  const limit = Math.round(old * RESTATE * 100) / 100;
  return {
    what,
    op: '>=',
    limit,
    unit: '',
    origin: `issue 8: >= ${old} of one text \`\\copy\` session; restated x${RESTATE}${later ? `; ${later}` : ''}`,
  };
}

export const TARGETS = {
  forwardCeiling: {
    what: 'PackedForward, acks, events/s vs ceiling, compaction included',
    op: '>=',
    limit: 0.3,
    unit: '',
    origin: `issue 17 (compressed storage); before it issue 8's >= 0.5 of one text \`\\copy\` session, restated x${RESTATE}`,
    old: '0.14, rows into `logs`',
  },
  ackMessage: {
    what: 'ack p99 at half the max rate, Message mode, from when due',
    op: '<',
    limit: 250,
    unit: ' ms',
    origin: 'issue 8, then timed from the write',
  },
  ackPacked: {
    what: 'ack p99 at half the max rate, PackedForward, from when due',
    op: '<',
    limit: 250,
    unit: ' ms',
    origin: 'issue 8, then timed from the write',
  },
  rss: {
    what: 'logharbor peak RSS at full ingest',
    op: '<',
    limit: 300,
    unit: ' MB',
    origin: 'issue 8',
  },
  syslogRsyslog: {
    what: 'syslog TCP lines/s vs rsyslog ompgsql',
    op: '>=',
    limit: 4,
    unit: 'x',
    origin: 'issue 8',
  },
  syslogCeiling: restated('syslog TCP lines/s vs ceiling', 0.4),
  searchNewest: p95('newest 100, no query', 20, 'issue 8', 140),
  searchRare: p95('rare word, all time', 300, 'issue 8', 132),
  searchContainer: p95('container + word, last hour', 50, 'issue 8', 148),
  searchNever: p95('container + a word never in it, all time', 50, 'issue 17', 775),
  searchTrace: p95('a 32-hex trace id, all time', 300, 'issue 17', 632),
  searchRegexLit: p95('regex with a literal of 3+ characters, all time', 1000, 'issue 17', 716),
  searchHist: p95('histogram 24 h, no query', 300, 'issue 8', 86),
  searchRegexNoLit: {
    what: 'regex without a literal, last hour, every match counted, vs grep -cE over the same lines',
    op: '<=',
    limit: 2,
    unit: 'x',
    origin: 'issue 17',
  },
  storage: {
    what: 'database growth per line vs zstd -19 of the raw lines',
    op: '<=',
    limit: 2,
    unit: 'x',
    origin: 'issue 17',
    old: '456 bytes/line, 19x',
  },
  tail: {
    what: 'live tail p99 of one-line records, send to websocket, 10,000 events/s, 10 clients',
    op: '<',
    limit: 250,
    unit: ' ms',
    origin: 'issue 8',
  },
  searchable: {
    what: 'every probed word searchable within 5 min',
    op: '<',
    limit: 300,
    unit: ' s',
    origin: 'issue 8',
  },
  rssFlat: {
    what: 'memory flat: RSS last third vs middle third',
    op: '<=',
    limit: 10,
    unit: '%',
    origin: 'issue 8',
  },
  sustainedCeiling: restated('sustained rate vs ceiling', 0.3),
  ...DURABILITY_TARGETS,
} satisfies Record<string, TargetDef>;

/**
 * A search p95 target; `old`: its p95 before packs, the one corpus measurement of that
 * store (100,000 lines, --quick, on a busy machine).
 */
function p95(what: string, limit: number, origin: string, old: number): TargetDef {
  return {
    what: `search p95, ${what}`,
    op: '<',
    limit,
    unit: ' ms',
    origin,
    old: `${old} ms at 100,000 (--quick)`,
  };
}

export function targetText(t: TargetDef): string {
  const v = t.unit === '' ? ratio(t.limit) : String(t.limit);
  return `${t.op} ${v}${t.unit}`;
}

export function meets(t: TargetDef, x: number): boolean {
  if (!Number.isFinite(x)) return false;
  return t.op === '>=' ? x >= t.limit : t.op === '<' ? x < t.limit : x <= t.limit;
}
