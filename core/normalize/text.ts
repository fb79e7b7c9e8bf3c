/**
 * Log text arrives as raw bytes: it may hold ANSI codes, `\r`, invalid UTF-8 and NUL.
 * PostgreSQL `text` cannot store NUL and `jsonb` refuses `\u0000` and lone surrogates,
 * so text is cleaned here without losing the line: invalid UTF-8 becomes U+FFFD (the
 * original bytes are kept base64 in attrs by the caller when `lossy`), NUL becomes the
 * visible U+2400 SYMBOL FOR NULL. ANSI codes and `\r` are kept; the viewer renders them.
 */

const lenient = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const NUL_SYMBOL = '\u2400';

export interface CleanText {
  text: string;
  /** True when bytes were not valid UTF-8 and were replaced. */
  lossy: boolean;
}

/** True when every byte is printable ASCII, tab, CR or LF: the common, fast case. */
function isPlainAscii(buf: Buffer): boolean {
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i]!;
    if (b >= 0x80 || b === 0) return false;
  }
  return true;
}

export function cleanBytes(buf: Buffer): CleanText {
  if (isPlainAscii(buf)) return { text: buf.toString('latin1'), lossy: false };
  let text: string;
  let lossy = false;
  try {
    text = strict.decode(buf);
  } catch {
    text = lenient.decode(buf);
    lossy = true;
  }
  return { text: text.includes('\0') ? text.replaceAll('\0', NUL_SYMBOL) : text, lossy };
}

/** Cleans a string already decoded (JSON, msgpack str): NUL and lone surrogates. */
export function cleanString(s: string): string {
  let out = s;
  if (out.includes('\0')) out = out.replaceAll('\0', NUL_SYMBOL);
  return out.isWellFormed() ? out : out.toWellFormed();
}
