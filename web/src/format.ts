/**
 * Small text formats shared by the views: severity names, counts, rates, and a stable
 * colour slot per container name so one container's lines are easy to follow.
 */

/** RFC 5424 section 6.2.1 severities, index = numeric value, shortened for a narrow column. */
export const SEVERITY_LABELS = [
  'EMERG',
  'ALERT',
  'CRIT',
  'ERROR',
  'WARN',
  'NOTICE',
  'INFO',
  'DEBUG',
] as const;

export function severityLabel(severity: number | null): string {
  return severity === null ? '' : (SEVERITY_LABELS[severity] ?? '');
}

/** `999`, `1.2k`, `12k`, `3.4M`: counts in a narrow column. */
export function formatCount(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '0';
  if (n < 1000) return String(Math.round(n));
  const units: [number, string][] = [
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [size, suffix] of units) {
    if (n >= size) {
      const v = n / size;
      return `${v < 10 ? Math.floor(v * 10) / 10 : Math.floor(v)}${suffix}`;
    }
  }
  return String(n);
}

/** `12,345`. */
export function formatInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return '0/s';
  if (perSecond < 10) return `${Math.round(perSecond * 10) / 10}/s`;
  return `${formatCount(perSecond)}/s`;
}

export const CONTAINER_COLORS = 8;

/** A colour slot 0..CONTAINER_COLORS-1 from a name (FNV-1a), the same on every load. */
export function colorSlot(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % CONTAINER_COLORS;
}

/** What names a line's origin in the container column: a container known only by id by its short id. */
export function originName(r: {
  container_name: string | null;
  container_id?: string | null;
  app: string | null;
  host: string | null;
  tag: string | null;
}): string {
  return r.container_name ?? r.container_id?.slice(0, 12) ?? r.app ?? r.tag ?? r.host ?? '';
}
