/**
 * Issue 19 part 2 through the real listeners: tracebacks produced by running the real
 * python3 and node (test/fixtures/multiline/programs/), sent one line per forward request
 * as Docker's fluentd driver does (npm fluent-logger), and one line per syslog frame (util-
 * linux `logger`, and raw octet-counted frames cut across TCP writes), are stored as one
 * record each; search by a word of any frame, the context around it and the live tail
 * return that record.
 */
import { connect } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredRecord } from '../../../core/record.js';
import { missing, runLogger, runProgram } from '../../../dev/programs.js';
import { createFluentSender } from '../../support/fluent-logger.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { absent, unavailable } from '../../support/skip.js';
import { openTail, type TailClient } from '../tail/tail-client.js';

const PROGRAMS = path.resolve(import.meta.dirname, '../../fixtures/multiline/programs');

/** What a program wrote on stderr, as the lines Docker would send (no trailing newline). */
async function stderrLines(cmd: string, file: string): Promise<string[]> {
  const r = await runProgram(cmd, [path.join(PROGRAMS, file)]);
  expect(r.code).not.toBe(0);
  const lines = r.stderr.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

const hex = (c: string) => c.repeat(64);

async function sendForward(
  h: Harness,
  streams: { id: string; name: string; lines: string[] }[],
): Promise<void> {
  const sender = createFluentSender('docker', {
    host: '127.0.0.1',
    port: h.forwardPort,
    timeout: 5,
  });
  sender.on('error', () => undefined);
  const sends: Promise<void>[] = [];
  // The containers' lines interleaved, one emit (one forward request) each.
  const longest = Math.max(...streams.map((s) => s.lines.length));
  for (let i = 0; i < longest; i++)
    for (const s of streams) {
      const line = s.lines[i];
      if (line === undefined) continue;
      const data = {
        container_id: s.id,
        container_name: `/${s.name}`,
        source: 'stderr',
        log: line,
      };
      sends.push(new Promise((res, rej) => sender.emit(s.name, data, (e) => (e ? rej(e) : res()))));
    }
  await Promise.all(sends);
  sender.end();
}

async function search(h: Harness, q: string): Promise<StoredRecord[]> {
  const r = await fetch(`${h.httpUrl}/api/logs?q=${encodeURIComponent(q)}`);
  expect(r.status).toBe(200);
  return ((await r.json()) as { records: StoredRecord[] }).records;
}

describe.skipIf(unavailable('python3 tracebacks', missing('python3')))(
  'multi-line messages through the listeners',
  () => {
    let h: Harness;
    let python: string[];
    let node: string[];
    let tail: TailClient | null = null;

    beforeAll(async () => {
      h = await startHarness({ LOGHARBOR_SYSLOG_TCP_ADDR: '127.0.0.1:0' });
      python = await stderrLines('python3', 'python-chained.py');
      node = await stderrLines(process.execPath, 'node-nested.js');
    });
    afterAll(async () => {
      await tail?.close();
      await h?.close();
    });

    it('forward: python and node traces, a line per request, each stored as one record', async () => {
      // The live tail is open before the lines come: it must see the joined record only.
      tail = await openTail(h.httpUrl, { q: 'parseQuantity' });
      await sendForward(h, [
        { id: hex('a'), name: 'py-app', lines: python },
        { id: hex('b'), name: 'node-app', lines: node },
      ]);
      // No acks (Docker is told not to ask: README): wait for the lines to be stored.
      const py = await waitForLines(h, `container_name = 'py-app'`, python);
      expect(py.map((r) => r.message)).toEqual([python.join('\n')]);
      expect((py[0]!.attrs as Record<string, unknown>).multiline_parts).toBe(python.length);
      expect((py[0]!.attrs as Record<string, unknown>).multiline_kind).toBe('python');
      const js = await waitForLines(h, `container_name = 'node-app'`, node);
      expect(js.map((r) => r.message)).toEqual([node.join('\n')]);
      expect((js[0]!.attrs as Record<string, unknown>).multiline_parts).toBe(node.length);

      // Search by a word of an inner frame finds the whole record.
      const found = await search(h, 'container:py-app read_settings');
      expect(found.map((r) => r.message)).toEqual([python.join('\n')]);
      const frame = await search(h, '"at buildCart"');
      expect(frame.map((r) => r.message)).toEqual([node.join('\n')]);

      // Context around it: the joined record, and no stray frame lines.
      const ctx = await fetch(`${h.httpUrl}/api/logs/${found[0]!.id}/context?scope=all`);
      expect(ctx.status).toBe(200);
      const around = ((await ctx.json()) as { records: StoredRecord[] }).records;
      expect(around.map((r) => r.message).sort()).toEqual(
        [python.join('\n'), node.join('\n')].sort(),
      );

      // The live tail delivered the joined record once.
      const t = tail;
      await t.waitFor(() => t.records().length >= 1, 'the joined node trace');
      await h.tailCaughtUp();
      expect(t.records().map((r) => r.message)).toEqual([node.join('\n')]);
    });

    it.skipIf(absent('logger'))(
      'syslog via util-linux logger: a line per frame, stored as one record',
      async () => {
        const r = await runLogger(
          [
            '-n',
            '127.0.0.1',
            '-P',
            String(h.port('syslog-tcp')),
            '-T',
            '--rfc5424',
            '-t',
            'pytrace',
          ],
          python.join('\n') + '\n',
        );
        expect(r.code).toBe(0);
        const rows = await waitForLines(h, `app = 'pytrace'`, python);
        expect(rows.map((x) => x.message)).toEqual([python.join('\n')]);
        expect((rows[0]!.attrs as Record<string, unknown>).multiline_parts).toBe(python.length);
      },
    );

    it('syslog: octet-counted frames cut across TCP writes, stored as one record', async () => {
      const frames = node.map((line, i) => {
        const msg = `<11>1 2026-12-07T10:00:00.${String(i).padStart(6, '0')}Z web1 nodetrace 77 - - ${line}`;
        return `${Buffer.byteLength(msg)} ${msg}`;
      });
      const bytes = Buffer.from(frames.join(''));
      const sock = connect(h.port('syslog-tcp'), '127.0.0.1');
      await new Promise<void>((res) => sock.once('connect', res));
      // Cuts inside frames, at a prime stride: no write holds a whole frame where it starts.
      for (let at = 0; at < bytes.length; at += 37) sock.write(bytes.subarray(at, at + 37));
      await new Promise<void>((res) => sock.end(res));
      const rows = await waitForLines(h, `app = 'nodetrace'`, node);
      expect(rows.map((x) => x.message)).toEqual([node.join('\n')]);
      expect((rows[0]!.attrs as Record<string, unknown>).multiline_kind).toBe('node');
    });
  },
);

/** The rows `where` selects once every line of `lines` is stored (in however many records). */
async function waitForLines(
  h: Harness,
  where: string,
  lines: string[],
): Promise<Record<string, unknown>[]> {
  for (let i = 0; ; i++) {
    const rows = await h.rows(where);
    const n = rows.reduce((k, r) => k + String(r.message).split('\n').length, 0);
    if (n >= lines.length || i > 200) return rows;
    await new Promise((r) => setTimeout(r, 25));
  }
}
