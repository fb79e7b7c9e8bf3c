/**
 * JSON log lines as an expandable tree (issue 5, point 4). Detection and the outline are
 * plain data with hard limits on size, depth and node count, so a hostile line cannot
 * make the page build a million elements; the view turns the outline into elements.
 */

export interface OutlineBranch {
  kind: 'object' | 'array';
  key: string | null;
  size: number;
  children: OutlineNode[];
  /** Children left out by the depth or node limit. */
  omitted: number;
}

export interface OutlineLeaf {
  kind: 'string' | 'number' | 'boolean' | 'null';
  key: string | null;
  text: string;
  /** The string was longer than maxString: `text` holds its start and says so. */
  cut?: true;
}

export type OutlineNode = OutlineBranch | OutlineLeaf;

export function isBranch(node: OutlineNode): node is OutlineBranch {
  return node.kind === 'object' || node.kind === 'array';
}

export interface OutlineLimits {
  /** Lines longer than this are not parsed as JSON. */
  maxChars: number;
  maxDepth: number;
  maxNodes: number;
  /** Longer strings are cut, with the cut said. */
  maxString: number;
}

export const OUTLINE_LIMITS: Readonly<OutlineLimits> = Object.freeze({
  maxChars: 256 * 1024,
  maxDepth: 16,
  maxNodes: 2000,
  maxString: 4000,
});

/** The parsed object or array when the whole message is one, else undefined. */
export function detectJson(message: string, maxChars = OUTLINE_LIMITS.maxChars): unknown {
  if (message.length > maxChars) return undefined;
  const t = message.trim();
  const open = t[0];
  const close = t[t.length - 1];
  if (!((open === '{' && close === '}') || (open === '[' && close === ']'))) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    return typeof v === 'object' && v !== null ? v : undefined;
  } catch {
    return undefined;
  }
}

function cut(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}… (${s.length - max} more characters)` : s;
}

export function outline(value: unknown, limits: OutlineLimits = OUTLINE_LIMITS): OutlineNode {
  let budget = limits.maxNodes;
  const walk = (v: unknown, key: string | null, depth: number): OutlineNode => {
    budget--;
    if (v === null || v === undefined) return { kind: 'null', key, text: 'null' };
    if (typeof v === 'string') {
      const text = cut(v, limits.maxString);
      return text === v ? { kind: 'string', key, text } : { kind: 'string', key, text, cut: true };
    }
    if (typeof v === 'number') return { kind: 'number', key, text: String(v) };
    if (typeof v === 'boolean') return { kind: 'boolean', key, text: String(v) };
    if (typeof v !== 'object') return { kind: 'string', key, text: String(v) };
    const entries: [string | null, unknown][] = Array.isArray(v)
      ? v.map((x, i) => [String(i), x])
      : Object.entries(v);
    const kind = Array.isArray(v) ? 'array' : 'object';
    const children: OutlineNode[] = [];
    if (depth >= limits.maxDepth) {
      return { kind, key, size: entries.length, children, omitted: entries.length };
    }
    for (const [k, x] of entries) {
      if (budget <= 0) break;
      children.push(walk(x, k, depth + 1));
    }
    return { kind, key, size: entries.length, children, omitted: entries.length - children.length };
  };
  return walk(value, null, 0);
}

/** The one-line summary of a container node: `{3}` or `[12]`. */
export function summary(node: OutlineNode): string {
  if (!isBranch(node)) return node.text;
  return node.kind === 'object' ? `{${node.size}}` : `[${node.size}]`;
}
