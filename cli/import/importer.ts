/**
 * Reads each planned file from where the state says, turns its entries into the fluentd
 * driver's records (lines.ts, packed-forward.ts) and sends them as PackedForward requests
 * through the forward client, recording each acked request's end in the state.
 *
 *   file ─► reader (json-file | local) ─► LineAssembler ─► builder ─► cut ─► client ─► ack
 *                                                                               │
 *   state.set(file, offset = request end, open lines) ◄─────────────────────────┘
 *
 * Where requests end (the chunk ids depend on it, so it must not depend on where a run
 * started): after the first entry at or past each multiple of GRID bytes at which no line
 * is open (a line over 16 KiB is never split between requests); after HARD bytes anyway
 * (a line of megabytes: its parts then travel in several requests, as Docker sends them);
 * where json-file's `tag` attribute changes (one tag a request); at the end of a file
 * that cannot grow. A chunk id is `import:` and a hash of the container, the file's
 * identity and the request's byte range.
 *
 * The end of the last file of a container that may still write (or of a set whose newest
 * file is not part of this run) is held back from the last point where no line was open:
 * a torn last line, or a long line whose last part is not written yet, is taken by a later
 * run once whole. In a stopped container's last file nothing more will come: open lines
 * are sent as they are and logharbor stores them marked `partial_unfinished`, as it
 * would have live; a torn last line there is reported and skipped.
 */
import { createHash } from 'node:crypto';
import type { BadEntry, DockerEntry, EntryReader } from './entry.js';
import type { ContainerInfo, LogFile, LogSet } from './discover.js';
import type { ForwardClient } from './forward-client.js';
import { readFrom } from './file-source.js';
import { JsonFileReader } from './json-file.js';
import { LineAssembler, type OpenLines } from './lines.js';
import { LocalFileReader } from './local-file.js';
import { PackedForwardBuilder, recordShape } from './packed-forward.js';
import type { Progress } from './progress.js';
import { IMPORT_CHUNK_PREFIX } from '../../core/import-chunks.js';
import type { ImportState } from './state.js';

export const GRID = 256 * 1024;
export const HARD = 4 * 1024 * 1024;

export interface PlannedFile {
  file: LogFile;
  identity: string;
  key: string;
  /** Where this run starts and the lines open there. */
  from: number;
  open: OpenLines | null;
  /** Nothing left to read (a rotated file imported to its end). */
  skip: boolean;
}

export interface PlannedSet {
  set: LogSet;
  files: PlannedFile[];
  /** The end of the last file is final: open lines there are sent as they are. */
  closes: boolean;
}

export interface Tally {
  lines: number;
  bytes: number;
  requests: number;
  bad: number;
  badExamples: string[];
  /** Torn lines in files that cannot grow (skipped). */
  torn: string[];
  /** Bytes held back at the end of files still being written. */
  heldBytes: number;
  /** Lines sent without their last part (their container stopped mid-line). */
  unfinished: number;
  perContainer: Map<string, { lines: number; bytes: number; files: number }>;
}

export function newTally(): Tally {
  return {
    lines: 0,
    bytes: 0,
    requests: 0,
    bad: 0,
    badExamples: [],
    torn: [],
    heldBytes: 0,
    unfinished: 0,
    perContainer: new Map(),
  };
}

export interface ImporterOptions {
  client: ForwardClient;
  state: ImportState;
  progress: Progress;
  tally: Tally;
  /** Labels and env names the fluentd driver's `labels` and `env` options would name. */
  labels: string[];
  env: string[];
  /** Counts `lines` for `--rate`, and (`wait`) waits until they may be sent. */
  pace: (lines: number, wait: boolean) => Promise<void>;
  stopped: () => boolean;
}

/** A request's chunk id: `import:` and a hash of the container and the byte ranges it holds. */
export function chunkId(containerId: string, ranges: [string, number, number][]): string {
  const h = createHash('sha256').update(containerId);
  for (const [identity, start, end] of ranges) h.update(`\n${identity}\n${start}\n${end}`);
  return `${IMPORT_CHUNK_PREFIX}${h.digest('hex').slice(0, 40)}`;
}

/** What the fluentd driver's `labels`/`env` options would add from the container's config. */
export function containerExtra(
  c: ContainerInfo,
  labels: string[],
  env: string[],
): Record<string, string> {
  const extra: Record<string, string> = {};
  for (const l of labels) if (Object.hasOwn(c.labels, l)) extra[l] = c.labels[l]!;
  for (const e of c.env) {
    const i = e.indexOf('=');
    const name = i < 0 ? e : e.slice(0, i);
    if (env.includes(name)) extra[name] = i < 0 ? '' : e.slice(i + 1);
  }
  return extra;
}

/** The part of one file a request holds, and what the state records for it once acked. */
interface Segment {
  pf: PlannedFile;
  start: number;
  end: number;
  /** Lines open at `end`. */
  open: OpenLines;
  /** `end` is the end of a rotated file. */
  complete: boolean;
}

type Shape = ReturnType<typeof recordShape>;

/** The request being built for one container's set (it may span a rotation). */
class Request {
  readonly builder = new PackedForwardBuilder();
  tag: string | null = null;
  lines = 0;
  segments: Segment[] = [];
  /** The last point in the current file where no line was open: where a held-back end stops. */
  mark: { len: number; count: number; lines: number; offset: number } | null = null;
  /** The request may end at the first clean point at or past this offset of the current file. */
  nextGrid = 0;
  /** The previous request ended with a line open: this one goes out without waiting (--rate). */
  continues = false;

  get current(): Segment {
    return this.segments[this.segments.length - 1]!;
  }
}

export class Importer {
  constructor(private readonly o: ImporterOptions) {}

  /** Imports one container's set, file after file, carrying open lines across rotations. */
  async importSet(p: PlannedSet): Promise<void> {
    const c = p.set.container;
    const o = this.o;
    const base = containerExtra(c, o.labels, o.env);
    const shapes = new Map<string, Shape>();
    const shapeOf = (attrs: Record<string, string> | null): Shape => {
      const k = attrs === null ? '' : JSON.stringify(attrs);
      let s = shapes.get(k);
      if (!s) {
        const { tag: _tag, ...rest } = attrs ?? {};
        s = recordShape({ containerId: c.id, containerName: c.name, extra: { ...base, ...rest } });
        shapes.set(k, s);
      }
      return s;
    };
    const label = (c.name ?? c.id.slice(0, 12)).replace(/^\//, '');
    o.progress.current = label;
    const per = o.tally.perContainer.get(label) ?? { lines: 0, bytes: 0, files: 0 };
    o.tally.perContainer.set(label, per);
    const req = new Request();
    let carry: OpenLines = {};
    for (let i = 0; i < p.files.length && !o.stopped(); i++) {
      const pf = p.files[i]!;
      if (pf.skip) {
        // A request waiting for this file's head (it cannot: already imported) goes as it is.
        if (req.segments.length > 0) await this.cut(c, req, per);
        req.segments = [];
        carry = o.state.get(pf.key)?.open ?? {};
        continue;
      }
      const last = i === p.files.length - 1;
      const ends: FileEnd = !last ? 'send' : p.closes ? 'close' : 'hold';
      per.files++;
      carry = await this.importFile(c, pf, pf.open ?? carry, ends, req, shapeOf, per);
    }
  }

  /** Sends the request; once acked, records where each file it holds stands. */
  private async cut(
    c: ContainerInfo,
    req: Request,
    per: { lines: number; bytes: number },
  ): Promise<void> {
    const o = this.o;
    const segments = req.segments;
    const lines = req.lines;
    const bytes = segments.reduce((n, s) => n + s.end - s.start, 0);
    const done = () => {
      for (const s of segments)
        o.state.set(s.pf.key, {
          offset: s.end,
          open: s.open,
          complete: s.complete,
          path: s.pf.file.path,
        });
      o.tally.lines += lines;
      o.tally.bytes += bytes;
      per.lines += lines;
      per.bytes += bytes;
      o.progress.add(lines, bytes);
    };
    const last = req.current;
    const continues = req.continues;
    req.segments = [{ ...last, start: last.end, complete: false }];
    req.lines = 0;
    req.mark = null;
    req.nextGrid = (Math.floor(last.end / GRID) + 1) * GRID;
    req.continues = Object.keys(last.open).length > 0;
    if (req.builder.count === 0) {
      // Nothing to send (skipped entries only): the state moves once what came before is acked.
      await o.client.drain();
      done();
      return;
    }
    await o.pace(lines, !continues);
    const chunk = chunkId(
      c.id,
      segments.map((s) => [s.pf.identity, s.start, s.end]),
    );
    const frame = req.builder.finish(req.tag ?? c.id.slice(0, 12), chunk);
    const { acked } = await o.client.send(frame, chunk);
    o.tally.requests++;
    // On failure the client's error ends the import (drain throws it).
    void acked.then(done, () => undefined);
  }

  private async importFile(
    c: ContainerInfo,
    pf: PlannedFile,
    open: OpenLines,
    ends: FileEnd,
    req: Request,
    shapeOf: (attrs: Record<string, string> | null) => Shape,
    per: { lines: number; bytes: number },
  ): Promise<OpenLines> {
    const { file, identity } = pf;
    const o = this.o;
    const reader: EntryReader =
      file.format === 'json-file' ? new JsonFileReader(pf.from) : new LocalFileReader(pf.from);
    const asm = new LineAssembler(file.format, `${c.id}:${identity}`, open);
    const defaultTag = c.id.slice(0, 12);
    // A request carried over from the previous file ends at this file's first clean point.
    const straddling = req.segments.length > 0;
    req.segments.push({ pf, start: pf.from, end: pf.from, open: asm.snapshot(), complete: false });
    req.mark = null;
    req.nextGrid = straddling ? pf.from : (Math.floor(pf.from / GRID) + 1) * GRID;
    const seg = () => req.current;
    const cut = () => this.cut(c, req, per);

    const onBad = (b: BadEntry) => {
      o.tally.bad++;
      if (o.tally.badExamples.length < 5)
        o.tally.badExamples.push(`${file.path}: bytes ${b.start}-${b.end}: ${b.reason}`);
    };
    /** Adds an entry; whether the request ends after it. */
    const take = (e: DockerEntry): boolean => {
      const msg = asm.add(e);
      req.builder.add(shapeOf(e.attrs), msg);
      if (msg.endsLine) req.lines++;
      const s = seg();
      s.end = e.end;
      if (asm.clean) {
        s.open = {};
        const b = req.builder;
        req.mark = { len: b.bytes, count: b.count, lines: req.lines, offset: e.end };
        return e.end >= req.nextGrid;
      }
      if (req.builder.bytes < HARD) return false;
      s.open = asm.snapshot();
      return true;
    };

    try {
      for await (const chunk of readFrom(file, pf.from)) {
        if (o.stopped()) return asm.snapshot();
        const r = reader.push(chunk);
        r.bad.forEach(onBad);
        for (const e of r.entries) {
          if (o.stopped()) return asm.snapshot();
          const t = e.attrs?.tag ?? defaultTag;
          if (t !== req.tag) {
            if (req.builder.count > 0) {
              seg().end = e.start;
              seg().open = asm.snapshot();
              await cut();
            }
            req.tag = t;
          }
          if (take(e)) await cut();
        }
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        o.progress.note(
          `${file.path}: gone (Docker rotated it away while importing); run again to import the rest`,
        );
        return asm.snapshot();
      }
      throw e;
    }
    if (o.stopped()) return asm.snapshot();

    const end = reader.offset;
    const torn = reader.pendingBytes;
    if (ends === 'hold') {
      // Send up to the last point where no line was open; the rest waits for a later run.
      // (Set by take(), which TypeScript does not see run.)
      const mark = req.mark as Request['mark'];
      const from = mark?.offset ?? seg().start;
      o.tally.heldBytes += end + torn - from;
      o.progress.total -= end + torn - from;
      if (mark === null) {
        // No such point since the request began (a line open across it): none of it goes.
        req.builder.truncate(0, 0);
        req.segments = [];
        req.lines = 0;
        return asm.snapshot();
      }
      req.builder.truncate(mark.len, mark.count);
      req.lines = mark.lines;
      seg().end = mark.offset;
      seg().open = {};
      if (req.builder.count > 0 || req.segments.length > 1 || seg().end > seg().start) await cut();
      req.segments = [];
      return {};
    }
    if (torn > 0) {
      o.tally.torn.push(`${file.path}: bytes ${end}-${end + torn}: a torn last line, not imported`);
      o.progress.total -= torn;
    }
    if (ends === 'close') {
      // Lines whose last part never came: logharbor stores each, marked, once its partial
      // timeout passes (as it would have live); they count as lines of this request.
      const cutOff = asm.closeAll();
      o.tally.unfinished += cutOff;
      req.lines += cutOff;
    }
    const s = seg();
    s.end = end;
    s.open = asm.snapshot();
    s.complete = file.rotation > 0;
    // A line open at the end of a rotated file goes on in the next: so does the request.
    if (ends === 'send' && !asm.clean) return s.open;
    await cut();
    req.segments = [];
    return s.open;
  }
}

/** What happens at a file's end: more follows (send all), nothing will (close), or it may grow (hold). */
type FileEnd = 'send' | 'close' | 'hold';
