/**
 * Where the importer ends its requests (cli/import/importer.ts) decides their chunk ids,
 * and so whether logharbor recognises a request sent again: a run resumed from any point
 * the state file can hold sends exactly the requests an uninterrupted run sends from
 * there; a file still being written is sent up to the last point where no line is open,
 * and the next run, once the file has grown, sends the rest. Against a stand-in client
 * that records what it is sent and acks at once.
 */
import { appendFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeRequest } from '../../../collector/forward/decode.js';
import { planSets } from '../../../cli/import/command.js';
import { discover } from '../../../cli/import/discover.js';
import type { ForwardClient } from '../../../cli/import/forward-client.js';
import { GRID, HARD, Importer, newTally } from '../../../cli/import/importer.js';
import { Progress } from '../../../cli/import/progress.js';
import { ImportState, type FileState } from '../../../cli/import/state.js';

const ID = 'a'.repeat(64);
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function containerDir(running: boolean): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'lh-import-'));
  dirs.push(dir);
  writeFileSync(
    path.join(dir, 'config.v2.json'),
    JSON.stringify({ ID, Name: '/web', Config: { Labels: {} }, State: { Running: running } }),
  );
  return dir;
}

let clock = 0;
const entry = (stream: string, log: string, nsec = ++clock) =>
  `${JSON.stringify({ log, stream, time: `2026-12-07T14:18:13.${String(nsec).padStart(9, '0')}Z` })}\n`;

/** Short lines on both streams, lines of 3 parts, and one line of 300 parts (past HARD). */
function logText(lines: number): string {
  let s = '';
  for (let i = 0; i < lines; i++) {
    s += entry(i % 3 === 0 ? 'stderr' : 'stdout', `line ${i} ${'.'.repeat(i % 90)}\n`);
    if (i % 700 === 0) {
      const t = ++clock;
      s +=
        entry('stdout', 'x'.repeat(16384), t) +
        entry('stderr', `between ${i}\n`) +
        entry('stdout', 'y'.repeat(16384), t);
      s += entry('stdout', `${'z'.repeat(100)}\n`, t);
    }
    if (i === 3000) {
      const t = ++clock;
      for (let p = 0; p < 300; p++) s += entry('stdout', 'g'.repeat(16384), t);
      s += entry('stdout', 'end of giant\n', t);
    }
  }
  return s;
}

interface Sent {
  chunk: string;
  messages: string[];
}

async function run(
  dir: string,
  state: ImportState,
  log: (k: string, f: FileState) => void = () => {},
) {
  const sent: Sent[] = [];
  const client = {
    send: async (bytes: Buffer, chunk: string) => {
      const req = decodeRequest(bytes, 'msgpack', { maxDecompressedBytes: 1 << 26, maxDepth: 64 });
      sent.push({
        chunk,
        messages: req.events.map(
          (e) => `${String(e.record.partial_ordinal ?? '')}:${String(e.record.log).slice(0, 40)}`,
        ),
      });
      return { acked: Promise.resolve() };
    },
    drain: async () => {},
  } as unknown as ForwardClient;
  const set = state.set.bind(state);
  state.set = (k, f) => {
    log(k, { ...f, at: '' });
    set(k, f);
  };
  const { sets } = await discover([dir]);
  const plan = await planSets(sets, state, 'test:1');
  const importer = new Importer({
    client,
    state,
    progress: new Progress({ write: () => true }, { mode: 'off', plainEveryMs: 1000 }),
    tally: newTally(),
    labels: [],
    env: [],
    pace: async () => {},
    stopped: () => false,
  });
  for (const p of plan.sets) await importer.importSet(p);
  return sent;
}

describe('import requests', () => {
  const dir = containerDir(false);
  const file = path.join(dir, `${ID}-json.log`);
  writeFileSync(file, logText(12_000));

  it('end at clean points past each grid line, or past HARD mid-line; every byte in exactly one request', async () => {
    const cuts: FileState[] = [];
    const sent = await run(dir, new ImportState(null), (_k, f) => cuts.push(f));
    expect(sent.length).toBe(cuts.length);
    expect(cuts.some((c) => Object.keys(c.open).length > 0)).toBe(true); // the giant line was cut
    let prev = 0;
    for (const c of cuts.slice(0, -1)) {
      // A clean cut is the first entry end at or past a grid line; an open one past HARD.
      if (Object.keys(c.open).length === 0)
        expect(Math.floor(c.offset / GRID)).toBeGreaterThan(Math.floor(prev / GRID));
      else expect(c.offset - prev).toBeGreaterThan(HARD * 0.9); // HARD counts encoded bytes
      prev = c.offset;
    }
    expect(cuts.at(-1)!.offset).toBe(statSync(file).size);
    const messages = sent.flatMap((s) => s.messages);
    expect(messages.filter((m) => m.startsWith(':line ')).length).toBe(12_000);
    expect(messages.filter((m) => m.startsWith('301:')).length).toBe(1);
  });

  it('a run resumed from any point the state recorded sends the same requests as one that never stopped', async () => {
    const cuts: [string, FileState][] = [];
    const full = await run(dir, new ImportState(null), (k, f) => cuts.push([k, f]));
    for (let i = 0; i < cuts.length - 1; i++) {
      const state = new ImportState(null);
      const [k, f] = cuts[i]!;
      state.set(k, f);
      const rest = await run(dir, state);
      expect(
        rest.map((s) => s.chunk),
        `resumed after request ${i}`,
      ).toEqual(full.slice(i + 1).map((s) => s.chunk));
    }
    // Nothing left: nothing sent.
    const state = new ImportState(null);
    state.set(...cuts.at(-1)!);
    expect(await run(dir, state)).toEqual([]);
  });
});

describe('a log still being written', () => {
  it('is sent up to the last point where no line is open; the rest once it is whole', async () => {
    const dir = containerDir(true);
    const file = path.join(dir, `${ID}-json.log`);
    const whole =
      logText(2000) +
      entry('stdout', `${'o'.repeat(16384)}`, 77) +
      entry('stdout', 'open line end\n', 77) +
      entry('stderr', 'torn line\n');
    const cut = whole.length - 20; // the torn line is cut; the 2-part line before it is whole
    const firstPart = whole.slice(0, whole.indexOf(entry('stdout', 'open line end\n', 77)));
    // First run: the open line (its first part only) and nothing after it.
    writeFileSync(file, firstPart);
    const state = new ImportState(null);
    const first = await run(dir, state);
    const got = first.flatMap((s) => s.messages);
    expect(got.some((m) => m.startsWith('1:ooo'))).toBe(false);
    // The file grows: the line's end and a torn line.
    appendFileSync(file, whole.slice(firstPart.length, cut));
    const second = await run(dir, state);
    const got2 = second.flatMap((s) => s.messages);
    expect(
      got2.filter((m) => m.startsWith('1:ooo') || m.startsWith('2:open line end')),
    ).toHaveLength(2);
    expect(got2.some((m) => m.includes('torn line'))).toBe(false);
    // Whole at last.
    appendFileSync(file, whole.slice(cut));
    const third = await run(dir, state);
    expect(third.flatMap((s) => s.messages)).toEqual([':torn line']);
    // Every line once over the three runs.
    const all = [...got, ...got2, ...third.flatMap((s) => s.messages)].filter((m) =>
      m.startsWith(':line '),
    );
    expect(all.length).toBe(2000);
    expect(new Set(all).size).toBe(2000);
  });
});
