/**
 * A pack read back (the layout: format.ts). The header and the numbers section are read
 * when the reader is made (every check of format.ts first); the text section on the first
 * message(), attrs() or rowsContaining(), the attrs section on the first attrs(). Row
 * indexes run 0 .. rows - 1 in ascending id order.
 *
 * record(i) is the record the writer stored: the labels given to the constructor, every
 * number exact, the message string exact, attrs equal once stored as jsonb (key order aside:
 * core/stored-record.ts's asJsonb makes the API's JSON the same character for character).
 */
import { asciiLowerString } from './ascii.js';
import { AttrsColumn } from './attrs-column.js';
import { PackFormatError } from './errors.js';
import { openSection, parsePack, type ParsedPack } from './format.js';
import type { PackLabels } from './labels.js';
import { decodeNumbers, type NumberColumns } from './numbers-column.js';
import { TextColumn } from './text-column.js';
import type { Attrs, LogRecord } from '../record.js';
import { structuredOf } from '../normalize/structured-line.js';

const SECTION_NUMBERS = 0;
const SECTION_TEXT = 1;
const SECTION_ATTRS = 2;

/** A section's reader, built from its checked bytes; any other failure is the format's. */
function read<T>(what: string, make: () => T): T {
  try {
    return make();
  } catch (e) {
    if (e instanceof PackFormatError) throw e;
    throw new PackFormatError(`${what} section is corrupt (${(e as Error).message})`, { cause: e });
  }
}

export class PackReader {
  readonly rows: number;
  readonly labels: PackLabels;
  private readonly pack: ParsedPack;
  private readonly n: NumberColumns;
  private textColumn: TextColumn | null = null;
  private attrsColumn: AttrsColumn | null = null;
  private attrsRaw = 0;

  constructor(labels: PackLabels, data: Buffer) {
    this.labels = labels;
    this.pack = parsePack(data);
    this.rows = this.pack.rows;
    const rows = this.rows;
    this.n = read('numbers', () => decodeNumbers(openSection(this.pack, SECTION_NUMBERS), rows));
  }

  private check(i: number): void {
    if (!(Number.isInteger(i) && i >= 0 && i < this.rows))
      throw new RangeError(`pack: row ${i} out of 0..${this.rows - 1}`);
  }

  private get text(): TextColumn {
    return (this.textColumn ??= read(
      'text',
      () => new TextColumn(openSection(this.pack, SECTION_TEXT), this.rows),
    ));
  }

  id(i: number): number {
    this.check(i);
    return this.n.ids[i]!;
  }

  tsSec(i: number): number {
    this.check(i);
    return this.n.tsSec[i]!;
  }

  tsNano(i: number): number {
    this.check(i);
    return this.n.tsNano[i]!;
  }

  receivedAt(i: number): number {
    this.check(i);
    return this.n.receivedAt[i]!;
  }

  severity(i: number): number | null {
    this.check(i);
    const v = this.n.severity[i]!;
    return Number.isNaN(v) ? null : v;
  }

  facility(i: number): number | null {
    this.check(i);
    const v = this.n.facility[i]!;
    return Number.isNaN(v) ? null : v;
  }

  message(i: number): string {
    this.check(i);
    return this.text.message(i);
  }

  /** A fresh object each call (the caller may change it). */
  attrs(i: number): Attrs | null {
    this.check(i);
    return this.attrsOf(i, () => ({ message: this.text.message(i) }));
  }

  /**
   * Row i's attrs; `row` (called only when they derive from the message) gives what holds
   * its message, which keeps the parse.
   */
  private attrsOf(i: number, row: () => { readonly message: string }): Attrs | null {
    const col = (this.attrsColumn ??= read('attrs', () => {
      const raw = openSection(this.pack, SECTION_ATTRS);
      this.attrsRaw = raw.length;
      return new AttrsColumn(raw, this.rows);
    }));
    return col.attrs(i, () => structuredOf(row()));
  }

  /**
   * Row i as a record. A row whose attrs derive from its message keeps that parse with the
   * record (structuredOf), so encoding the record again (a merge) does not parse it again.
   */
  record(i: number): LogRecord {
    const l = this.labels;
    const r: LogRecord = {
      tsSec: this.tsSec(i),
      tsNano: this.n.tsNano[i]!,
      receivedAt: this.n.receivedAt[i]!,
      source: l.source,
      host: l.host,
      containerId: l.container_id,
      containerName: l.container_name,
      stream: l.stream,
      tag: l.tag,
      app: l.app,
      project: l.project,
      service: l.service,
      severity: this.severity(i),
      facility: this.facility(i),
      message: this.text.message(i),
      attrs: null,
    };
    r.attrs = this.attrsOf(i, () => r);
    return r;
  }

  /**
   * Row indexes, ascending, whose message contains `needleLower` under ASCII case folding:
   * asciiLower(message(i)).includes(needleLower), as the query language's word match
   * (api/query/to-predicate.ts), in one scan of the text column; of rows `from` up to `to`
   * (exclusive) only, when given.
   */
  rowsContaining(needleLower: string, from = 0, to = this.rows): number[] {
    const text = this.text;
    return text.rowsContaining(
      needleLower,
      (i) => asciiLowerString(text.message(i)).includes(needleLower),
      from,
      to,
    );
  }

  /**
   * Memory the sections decompressed so far hold, roughly (0 until a message or attrs is
   * read): the text column's bytes, the attrs column's texts (JS strings, two bytes a unit).
   */
  get decodedBytes(): number {
    return (this.textColumn?.byteLength ?? 0) + this.attrsRaw * 2;
  }

  /** UTF-8 bytes of the text column (decompresses it). */
  get textBytes(): number {
    return this.text.byteLength;
  }
}
