/**
 * Durations as alerts take and show them: `500ms`, `30s`, `5m`, `2h`, `1d` (a bare number
 * is seconds, as in core/config.ts), shown back in the largest unit that divides them.
 * Shared by the API (api/alerts/spec.ts), the CLI and the page.
 */

const UNITS: readonly (readonly [string, number])[] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];

/** Milliseconds, or null when `text` is not a duration. */
export function parseDurationMs(text: string): number | null {
  const m = /^(\d{1,9}(?:\.\d{1,3})?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) return null;
  const unit = UNITS.find(([u]) => u === (m[2] ?? 's'))![1];
  const ms = Math.round(Number(m[1]) * unit);
  return Number.isSafeInteger(ms) ? ms : null;
}

/** `300000` → `5m`, `90000` → `90s`, `1500` → `1500ms`, `0` → `0s`. */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return '0s';
  for (const [u, n] of UNITS) if (ms % n === 0) return `${ms / n}${u}`;
  return `${ms}ms`;
}

/** A readable length of time: `4m 10s`, `2h 5m`, `3d 1h`, `850ms`. */
export function humanDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1000) * 1000;
  for (const [u, n] of UNITS.slice(0, 4)) {
    if (rest >= n) {
      parts.push(`${Math.floor(rest / n)}${u}`);
      rest %= n;
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}
