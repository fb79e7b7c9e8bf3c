/**
 * api/query/to-block-filter.ts: which queries can rule blocks out, and the parameters they
 * bind. Whether the SQL selects the right blocks is checked on PostgreSQL in
 * test/integration/bloom.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { parseQuery } from '../../../api/query/index.js';
import { MAX_NEEDLE_CHARS, toBlockFilter } from '../../../api/query/to-block-filter.js';
import { needleBitPositions } from '../../../core/trigram-bloom.js';

const block = (q: string, start = 1) => toBlockFilter(parseQuery(q), start);

/** The int[] that needles under one AND bind: their positions, sorted. */
function bound(...needles: string[]): number[] {
  return [...new Set(needles.flatMap((n) => needleBitPositions(n)!))].sort((a, b) => a - b);
}

describe('toBlockFilter', () => {
  it('cannot prune the empty query, NOT, other fields alone, or needles under 3 bytes', () => {
    for (const q of [
      '',
      '-timeout',
      'NOT timeout',
      '-container:web',
      'level>=warn attrs.user:42 host:a',
      'ab',
      'é',
      '/.*/',
      '/[a-z]+\\d/',
      'timeout OR level:err',
      'timeout OR ab',
      '/timeout|.*/',
    ]) {
      expect(block(q), q).toBeNull();
    }
  });

  it('binds one int[] per needle: every position, ascending', () => {
    const f = block('Timeout')!;
    expect(f.values).toEqual([bound('timeout')]);
    expect(f.text).toContain('$1::int[]');
    expect(f.text).not.toContain('$2');
    // The filter is copied out of TOAST once per block, then every position is read.
    expect(f.text).toMatch(
      /^NOT EXISTS \(SELECT 1 FROM \(SELECT bloom \|\| ''::bytea AS bits OFFSET 0\)/,
    );
  });

  it('numbers parameters from the start given, as toSql does', () => {
    const f = block('timeout OR refused', 4)!;
    expect(f.values).toEqual([bound('timeout'), bound('refused')]);
    expect(f.text).toContain('$4::int[]');
    expect(f.text).toContain('$5::int[]');
    expect(f.text).toContain(' OR ');
    expect(f.text).not.toMatch(/\$[1236]\b/);
  });

  it('merges the needles of an AND into one parameter and ignores what cannot prune', () => {
    const f = block('timeout host:web -healthz "db error" ab')!;
    expect(f.values).toEqual([bound('timeout', 'db error')]);
  });

  it('tests container names and ids against the block lists, NULL (not known) passing', () => {
    expect(block('container:web')).toEqual({
      text: '(containers IS NULL OR $1::text = ANY(containers))',
      values: ['web'],
    });
    const g = block('container:web-* timeout', 3)!;
    expect(g.values).toEqual([bound('timeout'), 'web-%']);
    expect(g.text).toContain('(containers IS NULL OR EXISTS (SELECT 1 FROM unnest(containers)');
    expect(g.text).toContain('LIKE $4');
    // 12 to 64 hex digits may be an id prefix: either list may hold it.
    const h = block('container:0123456789ab')!;
    expect(h.values).toEqual(['0123456789ab', '0123456789ab%']);
    expect(h.text).toMatch(/containers IS NULL .* OR \(container_ids IS NULL OR EXISTS/);
    expect(block('container_id:a_b%*')!.values).toEqual(['a\\_b\\%%']);
    expect(block('container:*')!.text).toBe('(containers IS NULL OR cardinality(containers) > 0)');
    expect(block('timeout OR container:web')!.text).toContain(' OR (containers IS NULL');
  });

  it('keeps OR under AND apart, and drops an OR that has a non-pruning branch', () => {
    expect(block('(timeout OR deadline) refused')!.values).toEqual([
      bound('refused'),
      bound('timeout'),
      bound('deadline'),
    ]);
    expect(block('(timeout OR level:err) refused')!.values).toEqual([bound('refused')]);
  });

  it('uses the literal runs of a regex, lowered, and their alternatives', () => {
    expect(block('/Conn(ection)? REFUSED/')!.values).toEqual([bound('conn', ' refused')]);
    expect(block('/(timeout|deadline) exceeded/i')!.values).toEqual([
      bound(' exceeded'),
      bound('timeout'),
      bound('deadline'),
    ]);
    expect(block('/timeout/ warn')!.values).toEqual([bound('timeout', 'warn')]);
  });

  it('cuts needles to MAX_NEEDLE_CHARS without splitting a surrogate pair', () => {
    const long = 'x'.repeat(MAX_NEEDLE_CHARS - 1) + '😀' + 'yz'.repeat(1000);
    const f = toBlockFilter(parseQuery(`"${long}"`))!;
    expect(f.values).toEqual([bound('x'.repeat(MAX_NEEDLE_CHARS - 1))]);
    const plain = 'abcdefgh'.repeat(500); // 4000 characters
    expect(toBlockFilter(parseQuery(plain))!.values).toEqual([
      bound(plain.slice(0, MAX_NEEDLE_CHARS)),
    ]);
  });

  it('qualifies the block columns as told, for joins', () => {
    const f = toBlockFilter(parseQuery('timeout container:web*'), 1, 'lb')!;
    expect(f.text).toContain("SELECT lb.bloom || ''::bytea");
    expect(f.text).toContain('unnest(lb.containers)');
    expect(f.text).not.toMatch(/[^.]\b(bloom|containers)\b/);
  });
});
