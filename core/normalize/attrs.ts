/**
 * Values bound for `attrs` (jsonb) made JSON-safe (STYLE.md, "Normalization is explicit"):
 * integers past 2^53 become strings, NaN and infinities null, binary base64, strings
 * cleaned of NUL and lone surrogates (jsonb refuses both), depth bounded.
 */
import type { AttrValue, Attrs } from '../record.js';
import { cleanString } from './text.js';

const MAX_DEPTH = 32;

export function toAttrValue(v: unknown, depth = 0): AttrValue {
  switch (typeof v) {
    case 'string':
      return cleanString(v);
    case 'number':
      return Number.isFinite(v) ? v : null;
    case 'boolean':
      return v;
    case 'bigint':
      return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
    case 'object': {
      if (v === null) return null;
      if (depth >= MAX_DEPTH) return null;
      if (Buffer.isBuffer(v) || v instanceof Uint8Array) return Buffer.from(v).toString('base64');
      if (Array.isArray(v)) return v.map((x) => toAttrValue(x, depth + 1));
      if (v instanceof Date) return v.toISOString();
      return toAttrs(v as Record<string, unknown>, depth + 1);
    }
    default:
      return null;
  }
}

/**
 * Sets a key on attrs as plain data: a key named `__proto__` (JSON.parse makes one) must
 * become an own property, not replace the object's prototype.
 */
export function setAttr(out: Attrs, key: string, value: AttrValue): void {
  if (key === '__proto__')
    Object.defineProperty(out, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  else out[key] = value;
}

export function toAttrs(o: Record<string, unknown>, depth = 0): Attrs {
  const out: Attrs = {};
  for (const k of Object.keys(o)) setAttr(out, cleanString(k), toAttrValue(o[k], depth));
  return out;
}
