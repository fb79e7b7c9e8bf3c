/**
 * The time presets and the one-click wider range offered when a search finds nothing
 * (issue 18, point 3). A preset range widens to the next preset; a fixed range (a zoom,
 * a custom range) to four times its width around its middle, never past now.
 */
import { parseTimeParam } from './time.js';

export const PRESETS: readonly { from: string; label: string; ms: number }[] = [
  { from: '5m', label: 'Last 5 minutes', ms: 300_000 },
  { from: '15m', label: 'Last 15 minutes', ms: 900_000 },
  { from: '1h', label: 'Last hour', ms: 3_600_000 },
  { from: '6h', label: 'Last 6 hours', ms: 21_600_000 },
  { from: '24h', label: 'Last 24 hours', ms: 86_400_000 },
  { from: '7d', label: 'Last 7 days', ms: 604_800_000 },
  { from: '30d', label: 'Last 30 days', ms: 2_592_000_000 },
];

export interface Wider {
  from: string;
  to: string;
  /** What the button says: "Search the last 24 hours". */
  label: string;
}

/** A wider range than `from`..`to` (`to` '' = now), or null past the widest preset. */
export function widerRange(from: string, to: string, now: number): Wider | null {
  const a = parseTimeParam(from, now);
  const b = to === '' ? now : parseTimeParam(to, now);
  if (a === null || b === null || b <= a) return null;
  const span = b - a;
  if (to === '' || now - b < 1000) {
    const next = PRESETS.find((p) => p.ms > span * 1.01);
    return next
      ? { from: next.from, to: '', label: `Search the ${next.label.toLowerCase()}` }
      : null;
  }
  const mid = (a + b) / 2;
  const start = Math.round(mid - 2 * span);
  const end = Math.round(mid + 2 * span);
  if (end >= now) {
    // Reaching now: the smallest preset that holds the wider start.
    const next = PRESETS.find((p) => p.ms >= now - start);
    if (next) return { from: next.from, to: '', label: `Search the ${next.label.toLowerCase()}` };
    return null;
  }
  return {
    from: new Date(start).toISOString(),
    to: new Date(end).toISOString(),
    label: 'Search a range four times as wide',
  };
}
