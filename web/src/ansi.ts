/**
 * A small ANSI escape parser: text in, styled segments out. Only SGR (`ESC [ ... m`,
 * ECMA-48 section 8.3.117) changes the style; every other CSI, OSC (`ESC ] ... BEL|ST`)
 * and two-byte escape is removed so no control bytes reach the page. The output is plain
 * data: the renderer puts each segment's text in with textContent, never as HTML.
 */

/** A palette index 0..255 (0-15 follow the theme) or a 24-bit colour. */
export type Color = { kind: 'index'; n: number } | { kind: 'rgb'; r: number; g: number; b: number };

export interface Style {
  fg: Color | null;
  bg: Color | null;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  inverse: boolean;
  strike: boolean;
}

export interface Segment {
  text: string;
  style: Style;
}

export const PLAIN: Readonly<Style> = Object.freeze({
  fg: null,
  bg: null,
  bold: false,
  dim: false,
  italic: false,
  underline: false,
  inverse: false,
  strike: false,
});

/** Parameters past this many in one sequence are ignored (a hostile line cannot make work). */
export const MAX_SGR_PARAMS = 32;

const ESC = '\x1b';
const BEL = '\x07';

export function isPlain(s: Style): boolean {
  return (
    s.fg === null &&
    s.bg === null &&
    !s.bold &&
    !s.dim &&
    !s.italic &&
    !s.underline &&
    !s.inverse &&
    !s.strike
  );
}

function sameColor(a: Color | null, b: Color | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.kind === 'index' && b.kind === 'index') return a.n === b.n;
  if (a.kind === 'rgb' && b.kind === 'rgb') return a.r === b.r && a.g === b.g && a.b === b.b;
  return false;
}

function sameStyle(a: Style, b: Style): boolean {
  return (
    sameColor(a.fg, b.fg) &&
    sameColor(a.bg, b.bg) &&
    a.bold === b.bold &&
    a.dim === b.dim &&
    a.italic === b.italic &&
    a.underline === b.underline &&
    a.inverse === b.inverse &&
    a.strike === b.strike
  );
}

function byte(v: number | undefined): number | null {
  return v !== undefined && Number.isInteger(v) && v >= 0 && v <= 255 ? v : null;
}

/**
 * An extended colour after 38/48: `5;n` or `2;r;g;b` (ITU T.416 as terminals use it).
 * Returns the colour (null when malformed) and how many parameters it used.
 */
function extendedColor(p: number[], i: number): { color: Color | null; used: number } {
  if (p[i] === 5) {
    const n = byte(p[i + 1]);
    return { color: n === null ? null : { kind: 'index', n }, used: 2 };
  }
  if (p[i] === 2) {
    const r = byte(p[i + 1]);
    const g = byte(p[i + 2]);
    const b = byte(p[i + 3]);
    const ok = r !== null && g !== null && b !== null;
    return { color: ok ? { kind: 'rgb', r, g, b } : null, used: 4 };
  }
  return { color: null, used: 1 };
}

/** Applies one SGR parameter list to `s` (a fresh copy is returned). */
export function applySgr(s: Style, params: number[]): Style {
  const out: Style = { ...s };
  const p = params.length === 0 ? [0] : params.slice(0, MAX_SGR_PARAMS);
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === 0) Object.assign(out, PLAIN);
    else if (c === 1) out.bold = true;
    else if (c === 2) out.dim = true;
    else if (c === 3) out.italic = true;
    else if (c === 4) out.underline = true;
    else if (c === 7) out.inverse = true;
    else if (c === 9) out.strike = true;
    else if (c === 22) out.bold = out.dim = false;
    else if (c === 23) out.italic = false;
    else if (c === 24) out.underline = false;
    else if (c === 27) out.inverse = false;
    else if (c === 29) out.strike = false;
    else if (c >= 30 && c <= 37) out.fg = { kind: 'index', n: c - 30 };
    else if (c >= 90 && c <= 97) out.fg = { kind: 'index', n: c - 90 + 8 };
    else if (c === 39) out.fg = null;
    else if (c >= 40 && c <= 47) out.bg = { kind: 'index', n: c - 40 };
    else if (c >= 100 && c <= 107) out.bg = { kind: 'index', n: c - 100 + 8 };
    else if (c === 49) out.bg = null;
    else if (c === 38 || c === 48) {
      const { color, used } = extendedColor(p, i + 1);
      if (color) {
        if (c === 38) out.fg = color;
        else out.bg = color;
      }
      i += used;
    }
  }
  return out;
}

/** `1;31` or `38:2::255:0:0` (colon sub-parameters, with the optional colour-space id). */
function parseParams(raw: string): number[] | null {
  if (!/^[\d;:]*$/.test(raw)) return null;
  const out: number[] = [];
  for (const group of raw.split(';')) {
    if (group.includes(':')) {
      const sub = group.split(':');
      // 38:2:<colour space>:r:g:b carries an extra (usually empty) field after the 2.
      if (sub[1] === '2' && sub.length >= 6) sub.splice(2, 1);
      for (const x of sub) out.push(x === '' ? 0 : Number(x));
    } else out.push(group === '' ? 0 : Number(group));
    if (out.length > MAX_SGR_PARAMS) break;
  }
  return out;
}

/** Index just past the escape sequence starting at `i` (where text[i] is ESC). */
function skipEscape(text: string, i: number): { end: number; sgr: number[] | null } {
  const kind = text[i + 1];
  if (kind === '[') {
    let j = i + 2;
    // Parameter bytes 0x30-0x3F, intermediate bytes 0x20-0x2F, then one final byte 0x40-0x7E.
    while (j < text.length && text.charCodeAt(j) >= 0x20 && text.charCodeAt(j) <= 0x3f) j++;
    const final = text[j];
    if (final === undefined) return { end: text.length, sgr: null };
    const code = final.charCodeAt(0);
    if (code < 0x40 || code > 0x7e) return { end: j, sgr: null };
    const sgr = final === 'm' ? parseParams(text.slice(i + 2, j)) : null;
    return { end: j + 1, sgr };
  }
  if (kind === ']' || kind === 'P' || kind === '_' || kind === '^') {
    // OSC / DCS / APC / PM: a string ended by BEL or ST (ESC \).
    for (let j = i + 2; j < text.length; j++) {
      if (text[j] === BEL) return { end: j + 1, sgr: null };
      if (text[j] === ESC && text[j + 1] === '\\') return { end: j + 2, sgr: null };
    }
    return { end: text.length, sgr: null };
  }
  return { end: Math.min(text.length, i + 2), sgr: null };
}

/** Control characters other than tab and newline are not shown. */
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f]/g;

export function parseAnsi(text: string): Segment[] {
  const out: Segment[] = [];
  let style: Style = PLAIN;
  let start = 0;
  const push = (s: string): void => {
    const clean = s.replace(CONTROL, '');
    if (clean === '') return;
    const last = out[out.length - 1];
    if (last && sameStyle(last.style, style)) last.text += clean;
    else out.push({ text: clean, style });
  };
  let i = text.indexOf(ESC);
  while (i !== -1) {
    push(text.slice(start, i));
    const { end, sgr } = skipEscape(text, i);
    if (sgr) style = applySgr(style, sgr);
    start = end;
    i = text.indexOf(ESC, start);
  }
  push(text.slice(start));
  return out;
}

/** Colour of xterm's 256-colour palette entries 16..255 as `#rrggbb`. */
export function paletteHex(n: number): string {
  let r: number, g: number, b: number;
  if (n >= 232) {
    r = g = b = 8 + (n - 232) * 10;
  } else {
    const i = n - 16;
    const level = (v: number): number => (v === 0 ? 0 : 55 + v * 40);
    r = level(Math.floor(i / 36));
    g = level(Math.floor(i / 6) % 6);
    b = level(i % 6);
  }
  return '#' + [r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('');
}

/** CSS for a colour: a theme class for 0-15, a literal colour otherwise. */
export function colorCss(c: Color): { cls: string } | { css: string } {
  if (c.kind === 'index') return c.n < 16 ? { cls: String(c.n) } : { css: paletteHex(c.n) };
  return { css: `rgb(${c.r}, ${c.g}, ${c.b})` };
}
