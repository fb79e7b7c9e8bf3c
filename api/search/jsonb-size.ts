/**
 * The size the tail's backlog gives a record (api/tail/backlog.ts): `octet_length(message)
 * + octet_length(attrs::text)`, computed here for records decoded from packs, byte for
 * byte what PostgreSQL computes for a `logs` row, so a backlog cuts its window at the same
 * record whichever way the records are stored.
 *
 * jsonb's text output (PostgreSQL, jsonb.c JsonbToCString and json.c escape_json):
 * `{"k": v, "k2": v2}` and `[1, 2]` (a space after each colon and comma); strings escape
 * `"` `\` \b \f \n \r \t and other characters under U+0020 as \u00XX, nothing else;
 * numbers print as numeric_out prints the number the JSON text held: plain decimal, as
 * many digits after the point as the text implied (`1e+21` → 22 digits, `1.5e-7` →
 * `0.00000015`).
 */
import type { AttrValue, Attrs } from '../../core/record.js';

const ESCAPED = /["\\\u0000-\u001f]/g;

function stringBytes(s: string): number {
  let n = Buffer.byteLength(s) + 2;
  for (const m of s.matchAll(ESCAPED)) {
    const c = m[0];
    n += c === '\b' || c === '\f' || c === '\n' || c === '\r' || c === '\t' ? 1 : 0;
    n += c === '"' || c === '\\' ? 1 : 0;
    n += c < ' ' && !'\b\f\n\r\t'.includes(c) ? 5 : 0;
  }
  return n;
}

/** numeric_out's text length for the number JSON.stringify writes as `String(v)`. */
export function numberText(v: number): string {
  const s = String(v);
  const e = s.indexOf('e');
  if (e < 0) return s;
  const neg = s.startsWith('-');
  const mant = s.slice(neg ? 1 : 0, e);
  const exp = Number(s.slice(e + 1));
  const dot = mant.indexOf('.');
  const digits = mant.replace('.', '');
  const point = (dot < 0 ? mant.length : dot) + exp;
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return neg ? `-${out}` : out;
}

function valueBytes(v: AttrValue): number {
  if (v === null) return 4;
  switch (typeof v) {
    case 'string':
      return stringBytes(v);
    case 'number':
      return numberText(v).length;
    case 'boolean':
      return v ? 4 : 5;
  }
  if (Array.isArray(v)) {
    let n = 2 + Math.max(0, v.length - 1) * 2;
    for (const x of v) n += valueBytes(x);
    return n;
  }
  const keys = Object.keys(v);
  let n = 2 + Math.max(0, keys.length - 1) * 2;
  for (const k of keys) n += stringBytes(k) + 2 + valueBytes(v[k]!);
  return n;
}

/** octet_length(attrs::text) of the jsonb `attrs` was stored as; 0 for none. */
export function jsonbTextBytes(attrs: Attrs | null): number {
  return attrs === null ? 0 : valueBytes(attrs);
}

/** The backlog's size of a record: its message's UTF-8 bytes and its attrs' jsonb text. */
export function recordBytes(message: string, attrs: Attrs | null): number {
  return Buffer.byteLength(message) + jsonbTextBytes(attrs);
}
