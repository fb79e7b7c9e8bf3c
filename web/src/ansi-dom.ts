/**
 * ANSI segments (ansi.ts) into elements: each segment's text goes in with textContent,
 * colours 0-15 as theme classes, other colours through the CSSOM (`el.style`), which a
 * strict Content-Security-Policy allows, unlike style attributes in markup.
 */
import { colorCss, isPlain, type Color, type Segment } from './ansi.js';
import { h } from './dom.js';
import type { Range } from './highlight.js';

function paint(el: HTMLElement, c: Color, layer: 'fg' | 'bg'): void {
  const v = colorCss(c);
  if ('cls' in v) el.classList.add(`a-${layer}${v.cls}`);
  else if (layer === 'fg') el.style.color = v.css;
  else el.style.backgroundColor = v.css;
}

function segmentNode(seg: Segment, text: string): Node {
  const s = seg.style;
  if (isPlain(s)) return document.createTextNode(text);
  const el = h('span', { text });
  const fg = s.inverse ? s.bg : s.fg;
  const bg = s.inverse ? s.fg : s.bg;
  if (fg) paint(el, fg, 'fg');
  if (bg) paint(el, bg, 'bg');
  if (s.inverse && !s.fg && !s.bg) el.classList.add('a-inv');
  if (s.bold) el.classList.add('a-b');
  if (s.dim) el.classList.add('a-d');
  if (s.italic) el.classList.add('a-i');
  if (s.underline) el.classList.add('a-u');
  if (s.strike) el.classList.add('a-s');
  return el;
}

/** The text the segments show, which highlight ranges index into. */
export function plainText(segments: readonly Segment[]): string {
  return segments.map((s) => s.text).join('');
}

function appendPiece(parent: HTMLElement, seg: Segment, text: string, oneLine: boolean): void {
  if (!oneLine || !text.includes('\n')) {
    parent.append(segmentNode(seg, text));
    return;
  }
  text.split('\n').forEach((line, i) => {
    if (i > 0) parent.append(h('span', { class: 'nl', text: '↵' }));
    if (line !== '') parent.append(segmentNode(seg, line));
  });
}

/**
 * Appends the segments to `parent`. With `oneLine`, line breaks become a faint ↵ so a
 * multi-line message still reads on a single row. `marks` (sorted, disjoint ranges of
 * plainText(segments), highlight.ts) go inside <mark> elements, one per range even where
 * a range spans several colours; everything stays text nodes.
 */
export function appendAnsi(
  parent: HTMLElement,
  segments: readonly Segment[],
  oneLine: boolean,
  marks: readonly Range[] = [],
): void {
  let at = 0;
  let r = 0;
  let openEl: HTMLElement | null = null;
  let openRange = -1;
  for (const seg of segments) {
    const end = at + seg.text.length;
    let i = at;
    while (i < end) {
      while (r < marks.length && marks[r]![1] <= i) r++;
      const m = marks[r];
      const inside = m !== undefined && m[0] <= i;
      const stop = m === undefined ? end : Math.min(end, inside ? m[1] : m[0]);
      const text = seg.text.slice(i - at, stop - at);
      if (inside) {
        if (openEl === null || openRange !== r) {
          openEl = h('mark');
          openRange = r;
          parent.append(openEl);
        }
        appendPiece(openEl, seg, text, oneLine);
      } else appendPiece(parent, seg, text, oneLine);
      i = stop;
    }
    at = end;
  }
}
