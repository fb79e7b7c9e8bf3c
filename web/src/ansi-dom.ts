/**
 * ANSI segments (ansi.ts) into elements: each segment's text goes in with textContent,
 * colours 0-15 as theme classes, other colours through the CSSOM (`el.style`), which a
 * strict Content-Security-Policy allows, unlike style attributes in markup.
 */
import { colorCss, isPlain, type Color, type Segment } from './ansi.js';
import { h } from './dom.js';

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

/**
 * Appends the segments to `parent`. With `oneLine`, line breaks become a faint ↵ so a
 * multi-line message still reads on a single row.
 */
export function appendAnsi(
  parent: HTMLElement,
  segments: readonly Segment[],
  oneLine: boolean,
): void {
  for (const seg of segments) {
    if (!oneLine || !seg.text.includes('\n')) {
      parent.append(segmentNode(seg, seg.text));
      continue;
    }
    const lines = seg.text.split('\n');
    lines.forEach((line, i) => {
      if (i > 0) parent.append(h('span', { class: 'nl', text: '↵' }));
      if (line !== '') parent.append(segmentNode(seg, line));
    });
  }
}
