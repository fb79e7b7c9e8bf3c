import { describe, expect, it } from 'vitest';
import {
  OUTLINE_LIMITS,
  detectJson,
  isBranch,
  outline,
  summary,
  type OutlineNode,
} from '../../../web/src/json-outline.js';

function count(n: OutlineNode): number {
  return 1 + (isBranch(n) ? n.children.reduce((s, c) => s + count(c), 0) : 0);
}

describe('detectJson', () => {
  it('finds objects and arrays that are the whole message', () => {
    expect(detectJson(' {"a":1} ')).toEqual({ a: 1 });
    expect(detectJson('[1,2]')).toEqual([1, 2]);
  });

  it('leaves everything else alone', () => {
    for (const m of ['plain', '42', '"str"', '{"a":1} trailing', '{broken', 'null', '{}x']) {
      expect(detectJson(m)).toBeUndefined();
    }
  });

  it('does not parse a line over the size limit', () => {
    const big = JSON.stringify({ s: 'x'.repeat(100) });
    expect(detectJson(big, 50)).toBeUndefined();
    expect(detectJson(big, 500)).toBeDefined();
  });
});

describe('outline', () => {
  it('describes keys, kinds and values', () => {
    const o = outline({ a: 'x', b: [1, true, null], c: {} });
    expect(o).toEqual({
      kind: 'object',
      key: null,
      size: 3,
      omitted: 0,
      children: [
        { kind: 'string', key: 'a', text: 'x' },
        {
          kind: 'array',
          key: 'b',
          size: 3,
          omitted: 0,
          children: [
            { kind: 'number', key: '0', text: '1' },
            { kind: 'boolean', key: '1', text: 'true' },
            { kind: 'null', key: '2', text: 'null' },
          ],
        },
        { kind: 'object', key: 'c', size: 0, omitted: 0, children: [] },
      ],
    });
    expect(summary(o)).toBe('{3}');
    expect(summary(o.kind === 'object' ? o.children[1]! : o)).toBe('[3]');
  });

  it('stops at the node limit and says how many were left out', () => {
    const o = outline(
      Array.from({ length: 50 }, (_, i) => i),
      { ...OUTLINE_LIMITS, maxNodes: 10 },
    );
    expect(count(o)).toBe(10);
    expect(isBranch(o) && o.omitted).toBe(41);
  });

  it('stops at the depth limit', () => {
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100; i++) deep = { d: deep };
    let n = outline(deep, { ...OUTLINE_LIMITS, maxDepth: 5 });
    let depth = 0;
    while (isBranch(n) && n.children[0]) {
      n = n.children[0];
      depth++;
    }
    expect(depth).toBe(5);
    expect(isBranch(n) && n.omitted).toBe(1);
  });

  it('cuts long strings, says by how much, and marks them cut (no click-to-filter on them)', () => {
    const o = outline({ s: 'y'.repeat(30), t: 'short' }, { ...OUTLINE_LIMITS, maxString: 10 });
    expect(isBranch(o) && o.children).toEqual([
      { kind: 'string', key: 's', text: `${'y'.repeat(10)}… (20 more characters)`, cut: true },
      { kind: 'string', key: 't', text: 'short' },
    ]);
  });
});
