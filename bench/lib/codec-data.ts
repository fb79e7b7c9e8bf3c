/**
 * The data bench/codecs.ts compresses (issue 17): the benchmark corpus (bench/corpus/) as
 * logharbor stores it, split into container streams (container + stdout/stderr), the unit
 * of a compressed block.
 *
 *   host run (Corpus seed 1, lines 37 ms apart, as every section prints them)
 *     ├─► the first `sampleLines` lines, as one flat file: the `zstd -19` / `gzip -9` yardstick
 *     ├─► every (container, stream)'s share of the host's lines: the weights
 *     └─► the records of one container per kind (same format mix, same time format), per
 *         stream, up to `streamBytes` of message bytes each, normalized by the forward
 *         source's own code (collector/forward/forward-record.ts: Compose labels and JSON /
 *         logfmt fields in attrs, severity from the line), then `trainBytes` more for
 *         dictionaries
 *
 * Replicas of one service print the same mix, so one of them stands for all (its weight is
 * the sum of theirs), and the compressors see ~1 MiB of each. A stream
 * that the run does not fill (a redis's stderr prints a few lines an hour) keeps what it got:
 * its blocks stay partial, as a quiet stream's blocks close by age; their share of lines is
 * reported beside every block size.
 */
import { createWriteStream, existsSync, mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { normalizeForwardEvent } from '../../collector/forward/forward-record.js';
import type { LogRecord } from '../../core/record.js';
import { ROOT } from '../../dev/build.js';
import { CORPUS_VERSION, Corpus, type Container } from '../corpus/index.js';
import { FORMATS } from '../corpus/formats.js';
import { Rand } from '../corpus/random.js';
import { Stamp } from '../corpus/stamp.js';

export const CODEC_SEED = 1;
const START_MS = 1_764_000_000_000;
const STEP_MS = 37;

/** A record as a block holds it: the row's arrival id beside the normalized record. */
export interface BlockRecord extends LogRecord {
  id: number;
}

export interface StreamData {
  /** `<container name> <stdout|stderr>` of the container standing for its kind. */
  key: string;
  container: Container;
  stream: 'stdout' | 'stderr';
  /** Containers of this kind (replicas and same-mix services). */
  members: number;
  /** Share of the host's lines this kind's stream prints (all members), 0..1. */
  weight: number;
  /** Measured records, up to `streamBytes` of messages. */
  records: BlockRecord[];
  messageBytes: number;
  /** Later lines of the same stream, for training a dictionary (empty when it had none). */
  training: string[];
  trainingBytes: number;
}

export interface CodecData {
  hostLines: number;
  /** Mean raw bytes a host line (text and newline). */
  rawPerLine: number;
  sampleFile: string;
  sampleLines: number;
  streams: StreamData[];
}

export interface DataOptions {
  sampleLines: number;
  /** Host lines generated at most. */
  maxLines: number;
  streamBytes: number;
  trainBytes: number;
  log: (s: string) => void;
}

/** Containers print alike when their mix is the same and their JSON lines time alike. */
function kindOf(c: Container): string {
  const r = new Rand(1);
  const jsonTime = FORMATS.jsonApp({
    r,
    t: new Stamp(START_MS),
    service: c.service,
    trace: () => ({ trace: 'x', span: 'y' }),
  })[0]!.text.includes('"ts":"')
    ? 'iso'
    : 'epoch';
  const usesJson = c.mix.some(([f]) => f === 'jsonApp');
  // Java lines carry the service name; every other format is the same whatever the service.
  const javaName = c.mix.some(([f]) => f.startsWith('java')) ? c.service.length : 0;
  return `${JSON.stringify(c.mix)} ${usesJson ? jsonTime : ''} ${javaName}`;
}

/** Compose names containers `<project>-<service>-<n>`. */
function projectOf(c: Container): string {
  return c.name.slice(0, c.name.indexOf(`-${c.service}-`));
}

/** Sub-millisecond nanoseconds, as Docker's fluentd driver sends with sub-second precision. */
function nanos(r: Rand): number {
  return r.int(1_000_000);
}

export async function codecData(o: DataOptions): Promise<CodecData> {
  const dir = path.join(ROOT, '.bench', 'codecs');
  mkdirSync(dir, { recursive: true });
  const sampleFile = path.join(dir, `raw-c${CORPUS_VERSION}-${o.sampleLines}.txt`);
  const writeSample = !existsSync(sampleFile);
  const out = writeSample ? createWriteStream(`${sampleFile}.tmp`) : null;

  const corpus = new Corpus(CODEC_SEED);
  const kinds = new Map<string, Container[]>();
  for (const c of corpus.containers) {
    const k = kindOf(c);
    kinds.set(k, [...(kinds.get(k) ?? []), c]);
  }
  // The first container of each kind stands for it.
  const standIn = new Map<string, Container>();
  const membersOf = new Map<string, number>();
  for (const cs of kinds.values()) {
    for (const c of cs) standIn.set(c.name, cs[0]!);
    membersOf.set(cs[0]!.name, cs.length);
  }
  const lineCount = new Map<string, number>();
  const streams = new Map<string, StreamData>();
  const jitter = new Rand(CODEC_SEED ^ 0x7e57);
  let rawBytes = 0;
  let n = 0;
  const full = (s: StreamData) =>
    s.messageBytes >= o.streamBytes && s.trainingBytes >= o.trainBytes;
  for (; n < o.maxLines; n++) {
    const ms = START_MS + n * STEP_MS;
    const l = corpus.next(ms);
    const textBytes = Buffer.byteLength(l.text);
    rawBytes += textBytes + 1;
    if (n < o.sampleLines && out && !out.write(`${l.text}\n`))
      await new Promise<void>((res) => out.once('drain', () => res()));
    const rep = standIn.get(l.container.name)!;
    const key = `${rep.name} ${l.stream}`;
    lineCount.set(key, (lineCount.get(key) ?? 0) + 1);
    if (rep !== l.container) continue;
    let s = streams.get(key);
    if (!s) {
      s = {
        key,
        container: rep,
        stream: l.stream,
        members: membersOf.get(rep.name)!,
        weight: 0,
        records: [],
        messageBytes: 0,
        training: [],
        trainingBytes: 0,
      };
      streams.set(key, s);
    }
    if (s.messageBytes < o.streamBytes) {
      const ev = normalizeForwardEvent(
        rep.id.slice(0, 12),
        Math.floor(ms / 1000),
        (ms % 1000) * 1_000_000 + nanos(jitter),
        {
          container_id: rep.id,
          container_name: `/${rep.name}`,
          source: l.stream,
          log: l.text,
          'com.docker.compose.project': projectOf(rep),
          'com.docker.compose.service': rep.service,
        },
        null,
      );
      // Docker's fluentd driver delivers within milliseconds of the write.
      const rec: BlockRecord = { ...ev.record, id: n + 1, receivedAt: ms + 1 + jitter.int(40) };
      s.records.push(rec);
      s.messageBytes += textBytes;
    } else if (s.trainingBytes < o.trainBytes) {
      s.training.push(l.text);
      s.trainingBytes += textBytes + 1;
    }
    if (n >= o.sampleLines && n % 50_000 === 0 && [...streams.values()].every(full)) break;
    if (n % 500_000 === 0 && n > 0) o.log(`  codec data: ${n} host lines`);
  }
  if (out) {
    await new Promise<void>((res) => out.end(() => res()));
    renameSync(`${sampleFile}.tmp`, sampleFile);
  }
  for (const s of streams.values()) s.weight = (lineCount.get(s.key) ?? 0) / n;
  return {
    hostLines: n,
    rawPerLine: rawBytes / n,
    sampleFile,
    sampleLines: Math.min(o.sampleLines, n),
    streams: [...streams.values()].sort((a, b) => b.weight - a.weight),
  };
}
