/**
 * What an import sends is what Docker's fluentd driver sends for the same lines (moby
 * daemon/logger/fluentd Log: every value a string, the container's name with its slash,
 * the extra attributes, the partial fields), checked by decoding the import's request
 * with the collector's own decoder; json-file's split lines become numbered parts that
 * logharbor's joiner puts back together; a dead line (its container stopped mid-line)
 * starts over.
 */
import { describe, expect, it } from 'vitest';
import { decodeRequest } from '../../../collector/forward/decode.js';
import { normalizeForwardEvent } from '../../../collector/forward/forward-record.js';
import { PartialJoiner } from '../../../collector/docker-lines/partial-join.js';
import type { DockerEntry } from '../../../cli/import/entry.js';
import { LineAssembler } from '../../../cli/import/lines.js';
import { PackedForwardBuilder, recordShape } from '../../../cli/import/packed-forward.js';
import { containerExtra } from '../../../cli/import/importer.js';
import type { ContainerInfo } from '../../../cli/import/discover.js';

const ID = '77d719fc4cee1d068f47f8fec26ae7c88c5104f1045efab669533ca0e2332ce6';
const LIMITS = { maxDecompressedBytes: 1 << 26, maxDepth: 64 };
const SEC = 1_796_653_093;

const entry = (
  stream: string,
  text: string | Buffer,
  newline: boolean,
  nsec: number,
  at: number,
  attrs: Record<string, string> | null = null,
): DockerEntry => ({
  stream,
  sec: SEC,
  nsec,
  line: Buffer.isBuffer(text) ? text : Buffer.from(text),
  newline,
  partial: null,
  attrs,
  start: at,
  end: at + 100,
});

const container: ContainerInfo = {
  id: ID,
  name: '/web',
  labels: {
    'com.docker.compose.project': 'shop',
    'com.docker.compose.service': 'api',
    other: 'not sent',
  },
  env: ['DEPLOY_ENV=prod', 'PATH=/bin'],
  image: 'nginx',
  running: false,
  driver: 'json-file',
};

function send(entries: DockerEntry[], extra: Record<string, string>) {
  const asm = new LineAssembler('json-file', `${ID}:file`);
  const b = new PackedForwardBuilder();
  const shape = recordShape({ containerId: ID, containerName: '/web', extra });
  const msgs = entries.map((e) => asm.add(e));
  for (const m of msgs) b.add(shape, m);
  const frame = b.finish(ID.slice(0, 12), 'import:abc');
  return { req: decodeRequest(frame, 'msgpack', LIMITS), asm, msgs };
}

describe('an import request as the fluentd driver would send it', () => {
  it('a PackedForward of EventTime entries whose records are Docker’s, with the recommended labels (and env= names)', () => {
    const extra = containerExtra(
      container,
      ['com.docker.compose.project', 'com.docker.compose.service'],
      ['DEPLOY_ENV'],
    );
    const { req } = send(
      [
        entry('stdout', 'hello', true, 5, 0),
        entry('stderr', '{"level":"warn","msg":"x"}', true, 6, 100),
      ],
      extra,
    );
    expect(req.kind).toBe('packed');
    expect(req.tag).toBe(ID.slice(0, 12));
    expect(req.option).toEqual({ chunk: 'import:abc', size: 2 });
    expect(req.skipped).toEqual([]);
    const docker = (source: string, log: string) => ({
      container_id: ID,
      container_name: '/web',
      source,
      log,
      'com.docker.compose.project': 'shop',
      'com.docker.compose.service': 'api',
      DEPLOY_ENV: 'prod',
    });
    expect(req.events).toEqual([
      { tsSec: SEC, tsNano: 5, record: docker('stdout', 'hello') },
      { tsSec: SEC, tsNano: 6, record: docker('stderr', '{"level":"warn","msg":"x"}') },
    ]);
    // And so the stored record is the live one.
    const n = normalizeForwardEvent(req.tag, SEC, 6, req.events[1]!.record, null);
    const live = normalizeForwardEvent(
      req.tag,
      SEC,
      6,
      docker('stderr', '{"level":"warn","msg":"x"}'),
      null,
    );
    expect({ ...n.record, receivedAt: 0 }).toEqual({ ...live.record, receivedAt: 0 });
    expect(n.record).toMatchObject({
      containerName: 'web',
      project: 'shop',
      service: 'api',
      severity: 4,
    });
  });

  it('json-file attrs (its labels/env options) are sent as the fluentd driver’s extras; its tag becomes the request tag elsewhere', () => {
    const { req } = send([entry('stdout', 'a', true, 1, 0, { region: 'eu' })], { region: 'eu' });
    expect(req.events[0]!.record).toMatchObject({ region: 'eu' });
    // Go's map assignment: an extra attribute named like a base key replaces it.
    const shape = recordShape({
      containerId: ID,
      containerName: null,
      extra: { source: 'x', log: 'y' },
    });
    const b = new PackedForwardBuilder();
    b.add(shape, { entry: entry('stdout', 'z', true, 1, 0), partial: null, endsLine: true });
    const r = decodeRequest(b.finish('t', 'c'), 'msgpack', LIMITS);
    expect(r.events[0]!.record).toEqual({ container_id: ID, source: 'x', log: 'y' });
  });

  it('invalid UTF-8 travels as the same bytes (a str, as Go sends a string)', () => {
    const bytes = Buffer.from([0x62, 0xff, 0x28]);
    const { req } = send([entry('stdout', bytes, true, 1, 0)], {});
    expect(req.events[0]!.record.log).toEqual(bytes);
    const n = normalizeForwardEvent(req.tag, SEC, 1, req.events[0]!.record, null);
    expect(n.record.attrs).toMatchObject({ raw_base64: bytes.toString('base64') });
  });

  it('a json-file line over 16 KiB: its parts are numbered, share the first part’s id, and join back whole', () => {
    const parts = [
      entry('stdout', 'x'.repeat(16384), false, 7, 0),
      entry('stderr', 'interleaved', true, 8, 100),
      entry('stdout', 'y'.repeat(16384), false, 7, 200),
      entry('stdout', 'z'.repeat(7232), true, 7, 300),
      entry('stdout', 'after', true, 9, 400),
    ];
    const { req, asm } = send(parts, {});
    expect(asm.clean).toBe(true);
    const partial = req.events.map((e) => [
      e.record.source,
      e.record.partial_message,
      e.record.partial_ordinal,
      e.record.partial_last,
    ]);
    expect(partial).toEqual([
      ['stdout', 'true', '1', 'false'],
      ['stderr', undefined, undefined, undefined],
      ['stdout', 'true', '2', 'false'],
      ['stdout', 'true', '3', 'true'],
      ['stdout', undefined, undefined, undefined],
    ]);
    expect(
      new Set(req.events.filter((e) => e.record.partial_id).map((e) => e.record.partial_id)).size,
    ).toBe(1);
    const joiner = new PartialJoiner({ timeoutMs: 1000, maxBytes: 1 << 20, maxPending: 10 });
    const stored: string[] = [];
    for (const ev of req.events) {
      const n = normalizeForwardEvent(req.tag, ev.tsSec, ev.tsNano, ev.record, null);
      if (!n.partial) stored.push(n.record.message);
      else
        for (const l of joiner.add(n.record, n.partial, 0, n.raw).done)
          stored.push(l.record.message);
    }
    expect(stored).toEqual([
      'interleaved',
      `${'x'.repeat(16384)}${'y'.repeat(16384)}${'z'.repeat(7232)}`,
      'after',
    ]);
  });

  it('a line whose end never came (another time on the same stream) is left open; the new line starts over', () => {
    const asm = new LineAssembler('json-file', 'f');
    const a = asm.add(entry('stdout', 'cut off', false, 1, 0));
    expect(asm.clean).toBe(false);
    expect(asm.snapshot()).toEqual({
      stdout: { id: a.partial!.id, ordinal: 1, sec: SEC, nsec: 1 },
    });
    const b = asm.add(entry('stdout', 'restarted', true, 2, 100));
    expect(b).toMatchObject({ partial: null, endsLine: true });
    expect(asm.clean).toBe(true);
    const c = asm.add(entry('stdout', 'again', false, 3, 200));
    expect(c.partial!.id).not.toBe(a.partial!.id);
    expect(asm.closeAll()).toBe(1);
    expect(asm.clean).toBe(true);
  });

  it('open lines carry over (the state file, a rotation): the next part continues the numbering', () => {
    const first = new LineAssembler('json-file', 'f');
    const p1 = first.add(entry('stdout', 'part one', false, 1, 0));
    const second = new LineAssembler('json-file', 'g', first.snapshot());
    const p2 = second.add(entry('stdout', 'part two', true, 1, 0));
    expect(p2.partial).toEqual({ id: p1.partial!.id, ordinal: 2, last: true });
  });

  it('local entries keep their stored metadata', () => {
    const asm = new LineAssembler('local', 'f');
    const e = {
      ...entry('stdout', 'p', false, 1, 0),
      partial: { id: 'docker-id', ordinal: 4, last: false },
    };
    expect(asm.add(e).partial).toEqual({ id: 'docker-id', ordinal: 4, last: false });
    expect(asm.clean).toBe(false);
    const last = {
      ...entry('stdout', 'q', true, 1, 0),
      partial: { id: 'docker-id', ordinal: 5, last: true },
    };
    expect(asm.add(last)).toMatchObject({ endsLine: true, partial: { ordinal: 5, last: true } });
    expect(asm.clean).toBe(true);
  });
});
