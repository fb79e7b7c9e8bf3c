/**
 * Saved searches and recent queries (web/src/saved.ts, issue 18): bounded, newest
 * first, and whatever local storage holds is checked before use.
 */
import { describe, expect, it } from 'vitest';
import {
  MAX_RECENT,
  MAX_SAVED,
  RECENT_KEY,
  SAVED_KEY,
  SearchHistory,
  addRecent,
  addSaved,
  parseRecent,
  parseSaved,
} from '../../../web/src/saved.js';

function memory(): Map<string, string> & Pick<Storage, 'getItem' | 'setItem'> {
  const m = new Map<string, string>() as Map<string, string> & Pick<Storage, 'getItem' | 'setItem'>;
  m.getItem = (k) => m.get(k) ?? null;
  m.setItem = (k, v) => void m.set(k, v);
  return m;
}

describe('recent queries', () => {
  it('newest first, no duplicates, blank ones ignored, bounded', () => {
    let list: string[] = [];
    for (const q of ['a', 'b', 'a', ' ', 'c']) list = addRecent(list, q);
    expect(list).toEqual(['c', 'a', 'b']);
    for (let i = 0; i < 30; i++) list = addRecent(list, `q${i}`);
    expect(list).toHaveLength(MAX_RECENT);
    expect(list[0]).toBe('q29');
  });

  it('storage is checked: junk is dropped, not trusted', () => {
    expect(parseRecent('x')).toEqual([]);
    expect(parseRecent(['a', 1, null, 'a', '', 'b'])).toEqual(['a', 'b']);
  });
});

describe('saved searches', () => {
  it('a name saved again replaces the old one and moves first; bounded', () => {
    let list = addSaved([], { name: 'errors', search: '?q=level%3Aerror' });
    list = addSaved(list, { name: 'web', search: '?c=web' });
    list = addSaved(list, { name: 'errors', search: '?q=level%3Aerror&from=24h' });
    expect(list).toEqual([
      { name: 'errors', search: '?q=level%3Aerror&from=24h' },
      { name: 'web', search: '?c=web' },
    ]);
    expect(addSaved(list, { name: '  ', search: '' })).toEqual(list);
    for (let i = 0; i < 80; i++) list = addSaved(list, { name: `s${i}`, search: '' });
    expect(list).toHaveLength(MAX_SAVED);
  });

  it('storage is checked', () => {
    expect(
      parseSaved([
        { name: 'ok', search: '?q=a' },
        { name: 'ok', search: '?q=b' },
        { name: 'bad', search: 'javascript:alert(1)' },
        { name: '', search: '' },
        { name: 'x'.repeat(500), search: '' },
        'nope',
        { name: 'default', search: '' },
      ]),
    ).toEqual([
      { name: 'ok', search: '?q=a' },
      { name: 'default', search: '' },
    ]);
  });

  it('SearchHistory keeps both lists in storage and survives junk there', () => {
    const store = memory();
    store.setItem(SAVED_KEY, '{not json');
    const h = new SearchHistory(store);
    expect(h.saved()).toEqual([]);
    h.noteQuery('timeout');
    h.save({ name: 'slow', search: '?q=slow' });
    h.save({ name: 'fast', search: '?q=fast' });
    h.remove('slow');
    const again = new SearchHistory(store);
    expect(again.recent()).toEqual(['timeout']);
    expect(again.saved()).toEqual([{ name: 'fast', search: '?q=fast' }]);
    expect(JSON.parse(store.getItem(RECENT_KEY)!)).toEqual(['timeout']);
  });
});
