/**
 * The "attrs" section: each row's attrs, without what its message already says.
 *
 * A JSON or logfmt line's fields were copied into attrs by the collector
 * (parseStructuredLine, as collector/forward/forward-record.ts and collector/syslog/record.ts
 * merge them: a field is added unless attrs has its key). Storing them again would store the
 * line twice, so at encode, per row:
 *
 *   fields = parseStructuredLine(message)
 *   own    = attrs minus each key whose field has the same jsonb text (core/stored-record.ts)
 *   derived when own is smaller than attrs and every field's key is in attrs: then
 *   rebuild(own, message) = own + the fields whose key own lacks, which has attrs' keys and,
 *   key by key, attrs' jsonb texts: the same attrs once stored (the reader's, and the API's
 *   toStoredRecord's, output is then the same JSON). Otherwise the row keeps its whole attrs.
 *
 * What is kept (own or whole) goes into a per-pack dictionary: labels and env repeat on
 * every line of a container, so a row usually costs one varint.
 *
 *   entries  varint count, then per entry the text `"key":value` (jsonb text), length-prefixed
 *   sets     varint count, then per set: varint n, n entry indexes (varint, ascending)
 *   rows     varint per row: 0 attrs null; else 1 + 2 x set + (1 when derived)
 *
 * A set's object is JSON.parse('{' + its entries joined by ',' + '}'): key order is not
 * jsonb's, which the API's asJsonb restores; values are equal as jsonb holds them.
 */
import { ByteReader, ByteWriter } from '../bytes/byte-io.js';
import { setAttr } from '../normalize/attrs.js';
import { structuredOf, type StructuredLine } from '../normalize/structured-line.js';
import type { AttrValue, Attrs, LogRecord } from '../record.js';
import { jsonbText } from '../stored-record.js';
import { PackFormatError } from './errors.js';

export interface EncodedAttrs {
  raw: Buffer;
  /** Rows whose attrs are rebuilt from the message. */
  derivedRows: number;
}

/** Options for measurement: `derive: false` stores every row's attrs whole. */
/**
 * Whether two values are stored alike (jsonb text): identical primitives or references
 * are; two objects are compared by their text. A pair this calls different (NaN and null,
 * both "null") only stays in own: never a wrong rebuild.
 */
function sameStored(a: AttrValue, b: AttrValue): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  return jsonbText(a) === jsonbText(b);
}

export function encodeAttrs(records: LogRecord[], derive = true): EncodedAttrs {
  const entryIds = new Map<string, number>();
  const entries: string[] = [];
  const setIds = new Map<string, number>();
  const sets: number[][] = [];
  const keyTexts = new Map<string, string>();
  const rows = new ByteWriter(records.length * 2 + 16);
  let derivedRows = 0;
  const own: number[] = [];
  const dropped: boolean[] = [];
  for (const r of records) {
    const attrs = r.attrs;
    if (attrs === null) {
      rows.varint(0);
      continue;
    }
    const keys = Object.keys(attrs);
    dropped.length = 0;
    let derived = false;
    const fields = derive ? structuredOf(r)?.fields : undefined;
    if (fields) {
      const fk = Object.keys(fields);
      // Every field's key must be in attrs, or the rebuild would add it.
      if (
        fk.length > 0 &&
        fk.every(
          (k) => fields[k] === undefined || (attrs[k] !== undefined && Object.hasOwn(attrs, k)),
        )
      ) {
        for (let i = 0; i < keys.length; i++) {
          const k = keys[i]!;
          const f = Object.hasOwn(fields, k) ? fields[k] : undefined;
          dropped[i] = f !== undefined && attrs[k] !== undefined && sameStored(f, attrs[k]!);
          if (dropped[i]) derived = true;
        }
      }
    }
    own.length = 0;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const v = attrs[k];
      if (v === undefined || (derived && dropped[i])) continue;
      let kt = keyTexts.get(k);
      if (kt === undefined) keyTexts.set(k, (kt = JSON.stringify(k) + ':'));
      const e = kt + jsonbText(v);
      let id = entryIds.get(e);
      if (id === undefined) {
        id = entries.length;
        entries.push(e);
        entryIds.set(e, id);
      }
      own.push(id);
    }
    if (own.length > 1) own.sort((a, b) => a - b);
    const setKey = own.join(',');
    let set = setIds.get(setKey);
    if (set === undefined) {
      set = sets.length;
      sets.push([...own]);
      setIds.set(setKey, set);
    }
    rows.varint(1 + 2 * set + (derived ? 1 : 0));
    if (derived) derivedRows++;
  }
  const w = new ByteWriter(64 + entries.reduce((s, e) => s + e.length * 3 + 4, 0));
  w.varint(entries.length);
  for (const e of entries) w.str(e);
  w.varint(sets.length);
  for (const s of sets) {
    w.varint(s.length);
    for (const id of s) w.varint(id);
  }
  w.bytes(rows.buf.subarray(0, rows.pos));
  return { raw: w.take(), derivedRows };
}

export class AttrsColumn {
  private readonly codes: Float64Array;
  private readonly setTexts: string[];

  constructor(raw: Buffer, rows: number) {
    const r = new ByteReader(raw, 'pack attrs section');
    const entryCount = r.varint();
    if (entryCount > raw.length) throw new PackFormatError('attrs section: bad entry count');
    const entries: string[] = [];
    for (let i = 0; i < entryCount; i++) entries.push(r.str());
    const setCount = r.varint();
    if (setCount > rows) throw new PackFormatError('attrs section: bad set count');
    this.setTexts = [];
    for (let s = 0; s < setCount; s++) {
      const n = r.varint();
      if (n > entryCount) throw new PackFormatError('attrs section: bad set size');
      const parts: string[] = [];
      for (let k = 0; k < n; k++) {
        const e = entries[r.varint()];
        if (e === undefined) throw new PackFormatError('attrs section: entry index out of range');
        parts.push(e);
      }
      this.setTexts.push(`{${parts.join(',')}}`);
    }
    this.codes = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      const c = r.varint();
      if (c !== 0 && Math.floor((c - 1) / 2) >= setCount)
        throw new PackFormatError(`attrs section: row ${i} names a set past the last`);
      this.codes[i] = c;
    }
    if (!r.done) throw new PackFormatError(`attrs section: ${raw.length - r.pos} bytes left over`);
  }

  /**
   * Row i's attrs, a fresh object; `structured` gives its message's parse when they are
   * derived.
   */
  attrs(i: number, structured: () => StructuredLine | null): Attrs | null {
    const c = this.codes[i]!;
    if (c === 0) return null;
    let own: Attrs;
    try {
      own = JSON.parse(this.setTexts[Math.floor((c - 1) / 2)]!) as Attrs;
    } catch (e) {
      throw new PackFormatError(`attrs of row ${i} are not JSON`, { cause: e });
    }
    if (c % 2 === 1) return own;
    const fields = structured()?.fields;
    if (!fields) throw new PackFormatError(`row ${i}: attrs derive from a message with no fields`);
    for (const k of Object.keys(fields)) if (!Object.hasOwn(own, k)) setAttr(own, k, fields[k]!);
    return own;
  }
}
