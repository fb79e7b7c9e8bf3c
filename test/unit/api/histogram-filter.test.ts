/**
 * Which filters the histogram answers from its per-minute tables (api/search/histogram.ts):
 * container names, levels, both ANDed; anything else goes through the block walk.
 */
import { describe, expect, it } from 'vitest';
import { parseQuery } from '../../../api/query/index.js';
import { minuteFilter, onlySeverities } from '../../../api/search/histogram.js';

const mf = (q: string) => minuteFilter(parseQuery(q).filter);

describe('minuteFilter', () => {
  it.each([
    ['', { names: null, severities: null }],
    ['container:web', { names: ['web'], severities: null }],
    ['container:web OR container:db OR container:web', { names: ['web', 'db'], severities: null }],
    ['level>=warning', { names: null, severities: [0, 1, 2, 3, 4] }],
    ['-level:debug', { names: null, severities: [-1, 0, 1, 2, 3, 4, 5, 6] }],
    ['level:info OR NOT level<=info', { names: null, severities: [-1, 0, 1, 2, 3, 4, 5, 6] }],
    ['(container:web OR container:db) level:error', { names: ['web', 'db'], severities: [3] }],
    ['container:web container:db', { names: [], severities: null }],
    ['level:error container:web level>=crit', { names: ['web'], severities: [] }],
  ])('%j -> %j', (q, want) => {
    expect(mf(q)).toEqual(want);
  });

  it.each([
    'timeout',
    'container:web*',
    'container:0123456789ab',
    'container:web OR level:error',
    'stream:stderr level:error',
    '-container:web',
  ])('%j: the block walk', (q) => {
    expect(mf(q)).toBeNull();
  });

  it('reads nothing but levels', () => {
    expect(onlySeverities(parseQuery('level:error host:x').filter!)).toBeNull();
  });
});
