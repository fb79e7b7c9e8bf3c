/**
 * Time to searchable, for the sustained run: now and then a line holding a word sent
 * nowhere else goes in (Message mode, with an ack), and a prober searches for every word
 * not yet found through the HTTP API, the way a person would, until it shows up.
 *
 * And the plan of such a search: the statements the API's word search runs
 * (api/search/block-search.ts), each EXPLAINed, so the report can show that it walks the
 * packs newest first through an index (issue 17) rather than reading every pack, or
 * every row of `logs` (the rows of before packs), sequentially.
 */
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { walkBlocks, type Queryable } from '../../api/search/block-search.js';
import { buildWhere } from '../../api/search/search-sql.js';
import type { Pool } from '../../core/db/pool.js';
import { ackCounter, encodeMessage, newChunk } from './forward-load.js';

interface Probe {
  word: string;
  sentAt: number;
  foundAt: number | null;
}

export class Prober {
  private readonly run = randomBytes(4).toString('hex');
  private readonly probes: Probe[] = [];
  private sock: net.Socket | null = null;
  private timer: NodeJS.Timeout | null = null;
  private checking = false;

  constructor(
    private readonly port: number,
    private readonly http: string,
  ) {}

  async start(pollMs = 250): Promise<void> {
    const sock = net.connect(this.port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    const count = ackCounter();
    sock.on('data', (d: Buffer) => void count(d));
    this.sock = sock;
    this.timer = setInterval(() => void this.check(), pollMs);
  }

  /** Sends one line with a fresh word. */
  send(): void {
    const word = `probe${this.run}x${this.probes.length}`;
    this.probes.push({ word, sentAt: performance.now(), foundAt: null });
    const record = {
      container_id: 'f'.repeat(64),
      container_name: '/prober',
      source: 'stdout',
      log: `searchable check ${word} sent`,
    };
    this.sock!.write(encodeMessage('probe', Date.now(), record, newChunk()));
  }

  private async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      for (const p of this.probes.filter((x) => x.foundAt === null).slice(0, 20)) {
        const r = await fetch(`${this.http}/api/logs?q=${p.word}&limit=1`);
        const body = (await r.json()) as { records?: unknown[] };
        if (r.ok && (body.records?.length ?? 0) > 0) p.foundAt = performance.now();
      }
    } finally {
      this.checking = false;
    }
  }

  /** Waits up to `ms` for the words not found yet, then stops. */
  async finish(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (this.probes.some((p) => p.foundAt === null) && Date.now() < until)
      await new Promise((r) => setTimeout(r, 250));
    if (this.timer) clearInterval(this.timer);
    this.sock?.end();
  }

  /** Seconds from send to found, per probe (Infinity: never found). */
  times(): number[] {
    return this.probes.map((p) => (p.foundAt === null ? Infinity : (p.foundAt - p.sentAt) / 1000));
  }

  lastWord(): string | null {
    return this.probes.at(-1)?.word ?? null;
  }
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

function nodes(n: PlanNode, out: string[]): void {
  out.push(n['Relation Name'] ? `${n['Node Type']} on ${n['Relation Name']}` : n['Node Type']);
  for (const c of n.Plans ?? []) nodes(c, out);
}

export interface WordSearchPlan {
  /** Scan nodes per statement, e.g. "Index Scan on log_packs_<day>". */
  scans: string[];
  /**
   * Sequential scans of a day partition of `log_packs`, if any (an empty DEFAULT partition
   * or `logs`, empty once its rows are packed, may be scanned at no cost).
   */
  seqScans: string[];
}

/** EXPLAINs every statement of the API's word search for `word` (all time, newest 100). */
export async function explainWordSearch(pool: Pool, word: string): Promise<WordSearchPlan> {
  const scans: string[] = [];
  const explaining = {
    query: async (sql: string, values: unknown[]) => {
      const plan = await pool.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
        `EXPLAIN (FORMAT JSON) ${sql}`,
        values,
      );
      const all: string[] = [];
      nodes(plan.rows[0]!['QUERY PLAN'][0]!.Plan, all);
      scans.push(...all.filter((n) => / on /.test(n)));
      return pool.query(sql, values);
    },
  } as unknown as Queryable;
  const where = buildWhere({ q: word });
  await walkBlocks(explaining, where, 101);
  const named = [...new Set(scans.map((s) => s.replace(/_\d{8}$/, '_<day>')))];
  return {
    scans: named,
    seqScans: named.filter((s) => /^(Parallel )?Seq Scan on log_packs_<day>$/.test(s)),
  };
}
