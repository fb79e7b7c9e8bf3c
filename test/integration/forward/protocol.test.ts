/**
 * The forward protocol over real sockets, for what fluent-logger does not send: Forward
 * mode, str-typed PackedForward, Fluent Bit's [EventTime, meta], JSON connections, the
 * UDP heartbeat and unix sockets; acks after the spool write (default) or after commit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import dgram from 'node:dgram';
import net from 'node:net';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { unpackMultiple } from 'msgpackr';
import { arr, cat, fixext8Time, mapOf, pack, str, bin } from '../../support/msgpack-bytes.js';
import { rawClient } from '../../support/raw-client.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { storedRows } from '../../../dev/stored-rows.js';

const T = 1_764_300_000;
const entry = (sec: number, nsec: number, log: string) =>
  cat(arr(2), fixext8Time(sec, nsec), pack({ log }));

function objects(b: Buffer): unknown[] {
  try {
    return b.length === 0 ? [] : (unpackMultiple(b) as unknown[]);
  } catch {
    return [];
  }
}

describe('forward protocol over sockets', () => {
  let h: Harness;
  let socketPath: string;
  beforeAll(async () => {
    socketPath = path.join(mkdtempSync(path.join(tmpdir(), 'lh-sock-')), 'forward.sock');
    h = await startHarness({ LOGHARBOR_FORWARD_SOCKET: socketPath });
    // A constraint PostgreSQL enforces on what the writer stores (a pack's label): the way
    // to make it refuse one request's data and not another's.
    await h.pool.query(
      `ALTER TABLE log_packs ADD CONSTRAINT no_poison CHECK (container_name IS DISTINCT FROM 'poison')`,
    );
  });
  afterAll(async () => h.close());

  const messages = async (tag: string) => (await h.rows(`tag = '${tag}'`)).map((r) => r.message);

  it('Forward mode: [tag, [[time, record], ...], option] with an ack', async () => {
    const frame = cat(
      arr(3),
      str('fwd'),
      arr(2),
      entry(T, 1, 'f1'),
      entry(T, 2, 'f2'),
      pack({ chunk: 'fwd-chunk-1' }),
    );
    const c = await rawClient(h.forwardPort);
    await c.write(frame, [1, 7, frame.length - 3]);
    const [ack] = objects(await c.until((b) => objects(b).length === 1));
    expect(ack).toEqual({ ack: 'fwd-chunk-1' });
    expect(await messages('fwd')).toEqual(['f1', 'f2']);
    c.end();
  });

  it('a chunk id holding NUL is acked as sent and stored once (PostgreSQL text cannot hold NUL)', async () => {
    const chunk = 'nul\0chunk';
    const frame = cat(arr(4), str('nulchunk'), pack(T), pack({ log: 'n1' }), pack({ chunk }));
    for (let i = 0; i < 2; i++) {
      const c = await rawClient(h.forwardPort);
      await c.write(frame);
      const [ack] = objects(await c.until((b) => objects(b).length === 1));
      expect(ack).toEqual({ ack: chunk });
      c.end();
    }
    expect(await messages('nulchunk')).toEqual(['n1']);
  });

  it('PackedForward with a str payload keeps the raw bytes, invalid UTF-8 included', async () => {
    const payload = cat(
      entry(T, 0, 'packed a'),
      cat(arr(2), fixext8Time(T, 0), mapOf([['log', str(Buffer.from([0x6f, 0x6b, 0xff]))]])),
    );
    const frame = cat(arr(3), str('pstr'), str(payload), pack({ chunk: 'pstr-1', size: 2 }));
    const c = await rawClient(h.forwardPort);
    await c.write(frame);
    await c.until((b) => objects(b).length === 1);
    const rows = await h.rows(`tag = 'pstr'`);
    expect(rows.map((r) => r.message)).toEqual(['packed a', 'ok\uFFFD']);
    expect(Buffer.from((rows[1]!.attrs as { raw_base64: string }).raw_base64, 'base64')).toEqual(
      Buffer.from([0x6f, 0x6b, 0xff]),
    );
    c.end();
  });

  it('CompressedPackedForward with two gzip members', async () => {
    const payload = cat(gzipSync(entry(T, 0, 'gz 1')), gzipSync(entry(T, 0, 'gz 2')));
    const frame = cat(arr(3), str('gz'), bin(payload), pack({ compressed: 'gzip', chunk: 'gz-1' }));
    const c = await rawClient(h.forwardPort);
    await c.write(frame);
    await c.until((b) => objects(b).length === 1);
    expect(await messages('gz')).toEqual(['gz 1', 'gz 2']);
    c.end();
  });

  it("Fluent Bit's [[EventTime, metadata], record] keeps the metadata beside the fields", async () => {
    const frame = cat(
      arr(2),
      str('fb'),
      arr(1),
      cat(
        arr(2),
        cat(arr(2), fixext8Time(T, 5), pack({ otel: 'x' })),
        pack({ log: 'from fluent bit' }),
      ),
    );
    const c = await rawClient(h.forwardPort);
    await c.write(frame);
    const [row] = await h.waitForRows(1, `tag = 'fb'`);
    expect(row).toMatchObject({
      message: 'from fluent bit',
      attrs: { fluent_meta: { otel: 'x' } },
    });
    c.end();
  });

  it('a JSON connection speaks JSON for its whole life, acks included', async () => {
    const c = await rawClient(h.forwardPort);
    const body = `["json.tag", ${T}.25, {"message": "json one"}, {"chunk": "j1"}]\n["json.tag", [[${T}, {"message": "json two"}]], {"chunk": "j2"}]`;
    await c.write(Buffer.from(body), [10, 60]);
    const text = (await c.until((b) => b.toString().split('}').length - 1 >= 2)).toString();
    expect(text.match(/\{[^}]*\}/g)!.map((x) => JSON.parse(x))).toEqual([
      { ack: 'j1' },
      { ack: 'j2' },
    ]);
    const rows = await h.rows(`tag = 'json.tag'`);
    expect(rows.map((r) => r.message)).toEqual(['json one', 'json two']);
    expect((rows[0]!.ts as Date).toISOString()).toBe(new Date(T * 1000 + 250).toISOString());
    c.end();
  });

  it('a zero-byte connection and nil heartbeats are normal', async () => {
    const c = await rawClient(h.forwardPort);
    await c.write(Buffer.from([0xc0, 0xc0]));
    c.end();
    await c.closed;
    const health = h.telemetry.listenerHealth().find((l) => l.listener === 'forward-tcp')!;
    const errors = health.errors;
    const empty = await rawClient(h.forwardPort);
    empty.end();
    await empty.closed;
    expect(health.errors).toBe(errors);
  });

  it('answers the UDP heartbeat as Fluentd does', async () => {
    const sock = dgram.createSocket('udp4');
    const reply = new Promise<Buffer>((resolve) => sock.once('message', resolve));
    sock.send(Buffer.from([0xc0]), h.forwardPort, '127.0.0.1');
    expect(await reply).toEqual(Buffer.from([0]));
    sock.close();
  });

  it('serves the unix socket', async () => {
    const s = net.connect(socketPath);
    await new Promise((r) => s.once('connect', r));
    s.write(cat(arr(3), str('unix'), pack(T), pack({ log: 'over unix' })));
    expect((await h.waitForRows(1, `tag = 'unix'`)).map((r) => r.message)).toEqual(['over unix']);
    s.end();
  });

  it('acks a request once the spool holds it; one PostgreSQL then refuses is kept in refused.ndjson, the rest stored', async () => {
    const bad = await rawClient(h.forwardPort);
    const good = await rawClient(h.forwardPort);
    const refusedBefore = await droppedRefused(h);
    await bad.write(
      cat(
        arr(4),
        str('refused'),
        pack(T),
        pack({ log: 'poison', container_name: '/poison' }),
        pack({ chunk: 'p1' }),
      ),
    );
    await good.write(
      cat(arr(4), str('refused'), pack(T), pack({ log: 'fine' }), pack({ chunk: 'g1' })),
    );
    // Durable on receipt: both are acked, the refused one too (the spool holds it).
    expect(objects(await bad.until((b) => objects(b).length === 1))).toEqual([{ ack: 'p1' }]);
    expect(objects(await good.until((b) => objects(b).length === 1))).toEqual([{ ack: 'g1' }]);
    expect(await messages('refused')).toEqual(['fine']);
    expect((await droppedRefused(h)) - refusedBefore).toBe(1);
    const kept = readFileSync(path.join(h.cfg.spoolDir, 'refused.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { records: { message: string }[] });
    expect(kept.map((k) => k.records.map((r) => r.message))).toContainEqual(['poison']);
    expect(bad.isClosed()).toBe(false);
    expect(good.isClosed()).toBe(false);
    bad.end();
    good.end();
  });
});

async function droppedRefused(h: Harness): Promise<number> {
  const m = await h.telemetry.dropped.get();
  return m.values
    .filter((v) => v.labels.listener === 'writer' && v.labels.reason === 'refused')
    .reduce((n, v) => n + v.value, 0);
}

describe('LOGHARBOR_FORWARD_ACK=commit: acks after PostgreSQL commits', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ LOGHARBOR_FORWARD_ACK: 'commit' });
    // A constraint PostgreSQL enforces on what the writer stores (a pack's label): the way
    // to make it refuse one request's data and not another's.
    await h.pool.query(
      `ALTER TABLE log_packs ADD CONSTRAINT no_poison CHECK (container_name IS DISTINCT FROM 'poison')`,
    );
  });
  afterAll(async () => h.close());

  it('never acks a request PostgreSQL refused, and closes that connection only', async () => {
    const bad = await rawClient(h.forwardPort);
    const good = await rawClient(h.forwardPort);
    await bad.write(
      cat(
        arr(4),
        str('refused'),
        pack(T),
        pack({ log: 'poison', container_name: '/poison' }),
        pack({ chunk: 'p1' }),
      ),
    );
    await good.write(
      cat(arr(4), str('refused'), pack(T), pack({ log: 'fine' }), pack({ chunk: 'g1' })),
    );
    expect(objects(await good.until((b) => objects(b).length === 1))).toEqual([{ ack: 'g1' }]);
    // An ack only after commit: the row is there the moment the ack is.
    const r = await h.pool.query(
      `SELECT message FROM ${await storedRows(h.pool)} WHERE tag = 'refused'`,
    );
    expect(r.rows.map((x: { message: string }) => x.message)).toEqual(['fine']);
    await bad.closed;
    expect(bad.received()).toHaveLength(0);
    expect(good.isClosed()).toBe(false);
    good.end();
  });
});
