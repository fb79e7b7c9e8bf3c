/**
 * Syntax tree to canonical query text, such that parse(print(ast)) deep-equals ast (the
 * round trip Loki tests for LogQL). Canonical form: juxtaposition for AND, ` OR `, `-` for
 * negation, parentheses only where precedence needs them, quotes only where the bare form
 * would lex differently (the lexer itself decides, so the two cannot drift apart).
 */
import type { Node, Op } from '../../core/query/ast.js';
import { lex } from '../../core/query/lexer.js';

function quote(s: string): string {
  return `"${s.replace(/["\\]/g, '\\$&')}"`;
}

/** True when `value` alone lexes back to one text token holding exactly `value`. */
function isBareWord(value: string): boolean {
  try {
    const tokens = lex(value);
    const t = tokens[0];
    return tokens.length === 2 && t?.kind === 'text' && t.value === value;
  } catch {
    return false;
  }
}

/**
 * A bare field value runs to the next space, parenthesis or quote; after `<` or `>` a
 * leading `=` would be read as part of the operator.
 */
function isBareValue(op: Op, value: string): boolean {
  if ((op === '<' || op === '>') && value.startsWith('=')) return false;
  return value !== '' && !/[\s()"]/.test(value);
}

const BARE_SEGMENT = /^[A-Za-z0-9_-]+$/;

/** `/` inside the pattern is written `\/`; escape pairs are copied as they are. */
function printRegex(pattern: string, ignoreCase: boolean): string {
  let out = '/';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) {
      out += c + pattern[i + 1];
      i++;
    } else {
      out += c === '/' ? '\\/' : c;
    }
  }
  return `${out}/${ignoreCase ? 'i' : ''}`;
}

/** Prints `node` where an operand of AND/OR/NOT is expected: groups what would regroup. */
function operand(node: Node, parent: 'and' | 'or' | 'not'): string {
  // AND binds tighter than OR; an OR inside an OR only occurs in hand-built trees.
  const needsGroup = node.type === 'or' || (node.type === 'and' && parent !== 'or');
  const s = print(node);
  return needsGroup ? `(${s})` : s;
}

export function print(node: Node | null): string {
  if (node === null) return '';
  switch (node.type) {
    case 'and':
      return node.children.map((c) => operand(c, 'and')).join(' ');
    case 'or':
      return node.children.map((c) => operand(c, 'or')).join(' OR ');
    case 'not':
      return `-${operand(node.child, 'not')}`;
    case 'text':
      return isBareWord(node.value) ? node.value : quote(node.value);
    case 'regex':
      return printRegex(node.pattern, node.ignoreCase);
    case 'field': {
      const path = node.path.map((s) => `.${BARE_SEGMENT.test(s) ? s : quote(s)}`).join('');
      const value = isBareValue(node.op, node.value) ? node.value : quote(node.value);
      return `${node.name}${path}${node.op}${value}`;
    }
  }
}
