/**
 * Sample records for query tests: every field a query reads, null unless given.
 */
import type { StoredRecordLike } from '../../../api/query/index.js';

export type Sample = Partial<StoredRecordLike>;

export function rec(s: Sample): StoredRecordLike {
  return {
    message: '',
    source: 'forward',
    host: null,
    container_id: null,
    container_name: null,
    stream: null,
    tag: null,
    app: null,
    project: null,
    service: null,
    severity: null,
    attrs: null,
    ...s,
  };
}
