/**
 * An outline (json-outline.ts) as nested <details> elements: the browser does the
 * expanding, so the tree needs no script per node. Keys and values are text only.
 */
import { h } from './dom.js';
import { isBranch, summary, type OutlineNode } from './json-outline.js';

const OPEN_DEPTH = 2;

function keyEl(key: string | null): HTMLElement | null {
  return key === null ? null : h('span', { class: 'jk', text: key });
}

function nodeEl(node: OutlineNode, depth: number): HTMLElement {
  if (!isBranch(node)) {
    return h(
      'div',
      { class: 'jl' },
      keyEl(node.key),
      h('span', { class: `jv j-${node.kind}`, text: node.text }),
    );
  }
  const d = h(
    'details',
    { class: 'jn' },
    h('summary', {}, keyEl(node.key), h('span', { class: 'js', text: summary(node) })),
  );
  d.open = depth < OPEN_DEPTH;
  for (const c of node.children) d.append(nodeEl(c, depth + 1));
  if (node.omitted > 0)
    d.append(h('div', { class: 'jl jmore', text: `… ${node.omitted} more not shown` }));
  return d;
}

export function jsonTree(root: OutlineNode): HTMLElement {
  return h('div', { class: 'json' }, nodeEl(root, 0));
}
