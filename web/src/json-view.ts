/**
 * An outline (json-outline.ts) as nested <details> elements: the browser does the
 * expanding, so the tree needs no script per node. Keys and values are text only; a
 * value may carry the query term that filters on it (`data-term`, issue 18) and marks
 * where the query matched it.
 */
import { appendAnsi } from './ansi-dom.js';
import { PLAIN } from './ansi.js';
import { h } from './dom.js';
import type { Highlighter } from './highlight.js';
import { isBranch, summary, type OutlineNode } from './json-outline.js';

export interface JsonTreeOptions {
  /** The term filtering on a leaf at `path` (keys from the root), or null. */
  term(path: readonly string[], kind: string, text: string): string | null;
  highlight: Highlighter | null;
}

const OPEN_DEPTH = 2;

function keyEl(key: string | null): HTMLElement | null {
  return key === null ? null : h('span', { class: 'jk', text: key });
}

function leafValue(
  node: OutlineNode & { text: string },
  path: string[],
  o?: JsonTreeOptions,
): HTMLElement {
  const term = o && !('cut' in node && node.cut) ? o.term(path, node.kind, node.text) : null;
  const el = h('span', {
    class: `jv j-${node.kind}`,
    title: term ? `${term}: click to add to the query, shift-click to exclude` : undefined,
    attrs: term ? { 'data-term': term } : {},
  });
  const marks = node.kind === 'string' ? (o?.highlight?.ranges(node.text) ?? []) : [];
  appendAnsi(el, [{ text: node.text, style: PLAIN }], false, marks);
  return el;
}

function nodeEl(
  node: OutlineNode,
  depth: number,
  path: string[],
  o?: JsonTreeOptions,
): HTMLElement {
  if (!isBranch(node)) {
    return h('div', { class: 'jl' }, keyEl(node.key), leafValue(node, path, o));
  }
  const d = h(
    'details',
    { class: 'jn' },
    h('summary', {}, keyEl(node.key), h('span', { class: 'js', text: summary(node) })),
  );
  d.open = depth < OPEN_DEPTH;
  for (const c of node.children) d.append(nodeEl(c, depth + 1, [...path, c.key ?? ''], o));
  if (node.omitted > 0)
    d.append(h('div', { class: 'jl jmore', text: `… ${node.omitted} more not shown` }));
  return d;
}

export function jsonTree(root: OutlineNode, o?: JsonTreeOptions): HTMLElement {
  return h('div', { class: 'json' }, nodeEl(root, 0, [], o));
}
