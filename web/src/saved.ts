/**
 * Saved searches and recent queries (issue 18), kept in this browser's local storage.
 * Both lists are bounded, and what storage returns is checked like anything off the wire:
 * another tab, an older page or a hand edit may have left anything there.
 *
 *   logharbor.recent  ["level>=warn", "timeout", ...]           newest first, at most 10
 *   logharbor.saved   [{"name": "...", "search": "?q=..."}]     newest first, at most 50
 *
 * A saved search keeps the whole view as the URL encodes it (query, range, containers,
 * live, order), so opening it is navigating to that URL.
 */
import { URL_LIMITS } from './url-state.js';

export const RECENT_KEY = 'logharbor.recent';
export const SAVED_KEY = 'logharbor.saved';
export const MAX_RECENT = 10;
export const MAX_SAVED = 50;
export const MAX_NAME = 100;
/** A saved URL query string: the query plus a few short values. */
const MAX_SEARCH = URL_LIMITS.q * 3 + 4096;

export interface SavedSearch {
  name: string;
  /** `?q=...&from=...` as url-state.ts encodes a view ('' for the default view). */
  search: string;
}

export type Store = Pick<Storage, 'getItem' | 'setItem'>;

function read(store: Store, key: string): unknown {
  try {
    return JSON.parse(store.getItem(key) ?? 'null');
  } catch {
    return null;
  }
}

export function parseRecent(v: unknown): string[] {
  if (!Array.isArray(v)) return [];
  const out: string[] = [];
  for (const q of v) {
    if (typeof q !== 'string' || q.trim() === '' || q.length > URL_LIMITS.q || out.includes(q))
      continue;
    out.push(q);
    if (out.length === MAX_RECENT) break;
  }
  return out;
}

export function parseSaved(v: unknown): SavedSearch[] {
  if (!Array.isArray(v)) return [];
  const out: SavedSearch[] = [];
  for (const s of v) {
    if (typeof s !== 'object' || s === null) continue;
    const { name, search } = s as Record<string, unknown>;
    if (typeof name !== 'string' || name.trim() === '' || name.length > MAX_NAME) continue;
    if (typeof search !== 'string' || search.length > MAX_SEARCH) continue;
    if (search !== '' && !search.startsWith('?')) continue;
    if (out.some((x) => x.name === name)) continue;
    out.push({ name, search });
    if (out.length === MAX_SAVED) break;
  }
  return out;
}

/** `q` first, without its earlier copy, the oldest dropped past the bound. */
export function addRecent(list: readonly string[], q: string): string[] {
  if (q.trim() === '' || q.length > URL_LIMITS.q) return [...list];
  return [q, ...list.filter((x) => x !== q)].slice(0, MAX_RECENT);
}

/** `s` first, replacing a search of the same name; past the bound the oldest goes. */
export function addSaved(list: readonly SavedSearch[], s: SavedSearch): SavedSearch[] {
  const name = s.name.trim().slice(0, MAX_NAME);
  if (name === '') return [...list];
  return [{ name, search: s.search }, ...list.filter((x) => x.name !== name)].slice(0, MAX_SAVED);
}

export class SearchHistory {
  constructor(private readonly store: Store) {}

  recent(): string[] {
    return parseRecent(read(this.store, RECENT_KEY));
  }

  saved(): SavedSearch[] {
    return parseSaved(read(this.store, SAVED_KEY));
  }

  noteQuery(q: string): void {
    this.write(RECENT_KEY, addRecent(this.recent(), q));
  }

  save(s: SavedSearch): void {
    this.write(SAVED_KEY, addSaved(this.saved(), s));
  }

  remove(name: string): void {
    this.write(
      SAVED_KEY,
      this.saved().filter((x) => x.name !== name),
    );
  }

  private write(key: string, value: unknown): void {
    try {
      this.store.setItem(key, JSON.stringify(value));
    } catch {
      // Storage full or refused: the lists just do not persist.
    }
  }
}
