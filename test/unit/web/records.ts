/** Records for the viewer's unit tests. */
import type { LogRecord } from '../../../web/src/wire.js';

export function rec(id: number | string, message = `line ${id}`): LogRecord {
  return {
    id: String(id),
    ts: '2024-01-01T00:00:00.000000000Z',
    received_at: '2024-01-01T00:00:00.000Z',
    source: 'forward',
    host: null,
    container_id: null,
    container_name: 'web',
    stream: 'stdout',
    tag: null,
    app: null,
    project: null,
    service: null,
    severity: null,
    facility: null,
    message,
    attrs: null,
  };
}
