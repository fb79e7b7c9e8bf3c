/**
 * Beware: these output names (ts, id) shadow the columns in ORDER BY; order by the
 * table-qualified columns (`logs.ts`, `l.id`) or the sort runs on the formatted text.
 *
 * How a stored row is read back as a `StoredRecord` (core/record.ts): `ts` as RFC 3339
 * with nanoseconds (microseconds from `ts` plus `ts_ns`), ids as strings.
 */
export const RECORD_COLUMNS = `
  id::text AS id,
  to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || lpad(ts_ns::text, 3, '0') || 'Z' AS ts,
  to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS received_at,
  source, host, container_id, container_name, stream, tag, app, project, service,
  severity, facility, message, attrs`;

/** Keyset cursor over (ts, id), newest first: the last row's time in µs and its id. */
export const CURSOR_COLUMN = `(extract(epoch FROM ts) * 1000000)::bigint::text AS cursor_ts`;

export function encodeCursor(tsMicros: string, id: string): string {
  return Buffer.from(`${tsMicros}:${id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { tsMicros: string; id: string } | null {
  const m = /^(-?\d{1,20}):(\d{1,20})$/.exec(Buffer.from(cursor, 'base64url').toString());
  return m ? { tsMicros: m[1]!, id: m[2]! } : null;
}
