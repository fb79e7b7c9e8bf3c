/**
 * Bytes captured from a real Docker 20.10 fluentd driver (test/fixtures/docker-20.10),
 * replayed over TCP to a running logharbor, and the rows they must become.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unpackMultiple } from 'msgpackr';
import { fixture } from '../../support/msgpack-bytes.js';
import { rawClient } from '../../support/raw-client.js';
import { startHarness, type Harness } from '../../support/harness.js';

const iso = (sec: number) => new Date(sec * 1000).toISOString();

/** The msgpack objects received so far (none while the first is still incomplete). */
function objects(b: Buffer): unknown[] {
  try {
    return b.length === 0 ? [] : (unpackMultiple(b) as unknown[]);
  } catch {
    return [];
  }
}

describe('Docker fluentd driver captures', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  const rowsOf = (containerIdPrefix: string) => h.rows(`container_id LIKE '${containerIdPrefix}%'`);

  it('default options: Message mode, whole seconds, both streams', async () => {
    const c = await rawClient(h.forwardPort);
    // Split in the middle of the third request as TCP may.
    await c.write(fixture('fluentd-default.bin'), [300, 301, 700]);
    const rows = await h.waitForRows(6, `container_id LIKE '77d719fc4cee%'`);
    c.end();
    expect(rows).toHaveLength(6);
    const byStream = (s: string) => rows.filter((r) => r.stream === s).map((r) => r.message);
    expect(byStream('stdout')).toEqual(['hello stdout 1', 'hello stdout 2', 'hello stdout 3']);
    expect(byStream('stderr')).toEqual(['hello stderr 1', 'hello stderr 2', 'hello stderr 3']);
    for (const r of rows) {
      expect(r).toMatchObject({
        source: 'forward',
        tag: '77d719fc4cee',
        container_id: '77d719fc4cee1d068f47f8fec26ae7c88c5104f1045efab669533ca0e2332ce6',
        container_name: 'web1',
        ts_ns: 0,
        attrs: null,
      });
      expect((r.ts as Date).toISOString()).toBe(iso(1795847025));
    }
    // Nothing was asked to be acked: the server sent nothing back.
    expect(c.received()).toHaveLength(0);
  });

  it('fluentd-request-ack and sub-second precision: one ack per request, after commit, chunk echoed', async () => {
    const bytes = fixture('fluentd-ack-subsecond.bin');
    const c = await rawClient(h.forwardPort);
    await c.write(bytes);
    const acks = objects(await c.until((b) => objects(b).length === 3)) as { ack: string }[];
    expect(acks.map((a) => a.ack)).toEqual([
      'cXMKawAAAACQf1RIzE2VZQ==',
      'cXMKawAAAACoomAFzdHGMg==',
      expect.any(String),
    ]);
    // The ack came after commit: the rows are there the moment it arrived.
    const rows = await rowsOf('ec0c3a2c95bd');
    expect(rows.map((r) => [r.message, r.ts_ns])).toEqual([
      ['one', 230],
      ['two', 140],
      ['three', expect.any(Number)],
    ]);
    expect((rows[0]!.ts as Date).toISOString()).toBe('2026-11-28T06:23:45.821Z');
    c.end();
  });

  it('a 40000-byte line in three partial messages is stored once, whole', async () => {
    const c = await rawClient(h.forwardPort);
    await c.write(fixture('fluentd-partial.bin'), [16_000, 20_000, 33_000]);
    const rows = await h.waitForRows(2, `container_id LIKE '8341af716e67%'`);
    c.end();
    expect(rows).toHaveLength(2);
    expect(rows[0]!.message).toBe('short');
    expect(rows[1]!.message).toBe('x'.repeat(40_000));
    expect(rows[1]!.attrs).toEqual({ partial_parts: 3 });
    expect(await h.rows(`container_id LIKE '8341af716e67%'`)).toHaveLength(2);
    expect((await h.pool.query('SELECT count(*)::int AS n FROM partial_parts')).rows[0].n).toBe(0);
  });

  it('tag template, labels and env flattened into the record land in attrs', async () => {
    const c = await rawClient(h.forwardPort);
    await c.write(fixture('fluentd-tag-labels-env.bin'));
    const [row] = await h.waitForRows(1, `container_id LIKE '47c16c8c292b%'`);
    c.end();
    expect(row).toMatchObject({
      tag: 'localbusybox/web1/47c16c8c292b',
      container_name: 'web1',
      stream: 'stdout',
      message: 'hello',
      attrs: { app: 'web', DEPLOY_ENV: 'prod' },
    });
  });

  it('the ack race: chunks resent again and again are each stored once, every request acked', async () => {
    const c = await rawClient(h.forwardPort);
    await c.write(fixture('fluentd-ack-race.bin'));
    const acks = objects(await c.until((b) => objects(b).length === 40)) as { ack: string }[];
    expect(new Set(acks.map((a) => a.ack)).size).toBe(3);
    const rows = await rowsOf('cc1cbaee1b0a');
    expect(rows.map((r) => r.message).sort()).toEqual([
      'hello stderr 1',
      'hello stderr 2',
      'hello stdout 1',
    ]);
    c.end();
  });
});
