/**
 * The label set of a record: what is constant per pack (one "stream", as Loki and
 * VictoriaLogs group lines). The caller keeps these as plain columns of the pack row
 * (migration 012), so filters on them stay SQL; the pack's `data` holds only the per-row
 * columns (core/packs/encode.ts).
 */
import type { LogRecord, Source, Stream } from '../record.js';

export interface PackLabels {
  source: Source;
  host: string | null;
  container_id: string | null;
  container_name: string | null;
  stream: Stream | null;
  tag: string | null;
  app: string | null;
  project: string | null;
  service: string | null;
}

/** The labels' names: log_packs' label columns (migration 012), in this order everywhere. */
export const LABEL_COLUMNS = [
  'source',
  'host',
  'container_id',
  'container_name',
  'stream',
  'tag',
  'app',
  'project',
  'service',
] as const satisfies readonly (keyof PackLabels)[];

export function labelsOf(r: LogRecord): PackLabels {
  return {
    source: r.source,
    host: r.host,
    container_id: r.containerId,
    container_name: r.containerName,
    stream: r.stream,
    tag: r.tag,
    app: r.app,
    project: r.project,
    service: r.service,
  };
}

/** Whether a record has these labels (cheaper than comparing keys). */
export function hasLabels(r: LogRecord, l: PackLabels): boolean {
  return (
    r.source === l.source &&
    r.host === l.host &&
    r.containerId === l.container_id &&
    r.containerName === l.container_name &&
    r.stream === l.stream &&
    r.tag === l.tag &&
    r.app === l.app &&
    r.project === l.project &&
    r.service === l.service
  );
}

/**
 * A stable grouping key: the nine values as a JSON array, in the order above (null and the
 * text "null" differ; no separator can collide).
 */
export function labelKey(l: PackLabels): string {
  return JSON.stringify([
    l.source,
    l.host,
    l.container_id,
    l.container_name,
    l.stream,
    l.tag,
    l.app,
    l.project,
    l.service,
  ]);
}
