/**
 * The Docker 20.10 fluentd-driver captures (test/fixtures/docker-20.10, README there)
 * decoded to the requests and records they carry. Splitting them at every offset is in
 * framer.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { decodeRequest } from '../../../collector/forward/decode.js';
import { ForwardFramer } from '../../../collector/forward/framer.js';
import type { ForwardRequest } from '../../../collector/forward/types.js';
import { fixture, limits } from '../../support/msgpack-bytes.js';

function requestsOf(name: string): ForwardRequest[] {
  const framer = new ForwardFramer(1 << 20);
  const frames = framer.push(fixture(name));
  expect(framer.mode).toBe('msgpack');
  expect(framer.pendingBytes).toBe(0);
  return frames.map((f) => decodeRequest(f, 'msgpack', limits));
}

/** Every request is a Docker Message: one event, no skips, the record Docker documents. */
function expectDockerMessages(reqs: ForwardRequest[], containerName: string): void {
  for (const req of reqs) {
    expect(req.kind).toBe('message');
    expect(req.skipped).toEqual([]);
    expect(req.events).toHaveLength(1);
    const { record } = req.events[0]!;
    expect(record.container_id).toMatch(/^[0-9a-f]{64}$/);
    expect(record.container_name).toBe(containerName);
    expect(['stdout', 'stderr']).toContain(record.source);
    expect(typeof record.log).toBe('string');
  }
}

describe('Docker 20.10 fluentd driver captures', () => {
  it('fluentd-default.bin: 6 Messages, whole seconds, option {}, tag = short id', () => {
    const reqs = requestsOf('fluentd-default.bin');
    expect(reqs).toHaveLength(6);
    expectDockerMessages(reqs, '/web1');
    const lines = reqs.map((r) => r.events[0]!.record);
    expect(lines.map((r) => r.log).sort()).toEqual(
      [1, 2, 3].flatMap((i) => [`hello stderr ${i}`, `hello stdout ${i}`]).sort(),
    );
    for (const req of reqs) {
      const { record, tsNano, tsSec } = req.events[0]!;
      expect(record.log).toContain(String(record.source));
      expect(String(record.container_id).startsWith(req.tag)).toBe(true);
      expect(req.tag).toMatch(/^[0-9a-f]{12}$/);
      expect(tsNano).toBe(0);
      expect(tsSec).toBeGreaterThan(1_600_000_000);
      expect(req.option).toEqual({});
    }
  });

  it('fluentd-ack-subsecond.bin: EventTime with nanoseconds and a chunk per line', () => {
    const reqs = requestsOf('fluentd-ack-subsecond.bin');
    expect(reqs).toHaveLength(3);
    expectDockerMessages(reqs, '/web1');
    expect(reqs.map((r) => r.events[0]!.record.log)).toEqual(['one', 'two', 'three']);
    expect(reqs.some((r) => r.events[0]!.tsNano > 0)).toBe(true);
    const chunks = reqs.map((r) => r.option?.chunk);
    for (const c of chunks) expect(c).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(new Set(chunks).size).toBe(3);
  });

  it('fluentd-partial.bin: a 40000-byte line in three partial messages', () => {
    const reqs = requestsOf('fluentd-partial.bin');
    expect(reqs).toHaveLength(4);
    expectDockerMessages(reqs, '/web1');
    expect(reqs[0]!.events[0]!.record.log).toBe('short');
    const parts = reqs.slice(1).map((r) => r.events[0]!);
    expect(parts.map((p) => String(p.record.log).length)).toEqual([16384, 16384, 7232]);
    expect(parts.map((p) => p.record.partial_ordinal)).toEqual(['1', '2', '3']);
    expect(parts.map((p) => p.record.partial_last)).toEqual(['false', 'false', 'true']);
    expect(new Set(parts.map((p) => p.record.partial_id)).size).toBe(1);
    expect(parts.every((p) => p.record.partial_message === 'true')).toBe(true);
    expect(new Set(parts.map((p) => p.tsSec)).size).toBe(1);
    expect(parts.map((p) => p.record.log).join('')).toBe('x'.repeat(40000));
  });

  it('fluentd-tag-labels-env.bin: custom tag, label and env flattened into the record', () => {
    const [req, ...rest] = requestsOf('fluentd-tag-labels-env.bin');
    expect(rest).toEqual([]);
    expectDockerMessages([req!], '/web1');
    expect(req!.tag).toMatch(/^localbusybox\/web1\/[0-9a-f]{12}$/);
    expect(req!.events[0]!.record).toMatchObject({ log: 'hello', app: 'web', DEPLOY_ENV: 'prod' });
  });

  it('fluentd-ack-race.bin: 40 requests re-sending the same 3 chunks', () => {
    const reqs = requestsOf('fluentd-ack-race.bin');
    expect(reqs).toHaveLength(40);
    expectDockerMessages(reqs, '/web-race');
    const byChunk = new Map<unknown, string>();
    for (const r of reqs) {
      const line = String(r.events[0]!.record.log);
      // A resent chunk carries the same line every time.
      expect(byChunk.get(r.option?.chunk) ?? line).toBe(line);
      byChunk.set(r.option?.chunk, line);
    }
    expect(byChunk.size).toBe(3);
  });
});
