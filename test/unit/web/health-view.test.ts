/**
 * The health panel's "Store" section (issue 16): each collector's spool of its maximum,
 * the age of what waits, and PostgreSQL's state, as text.
 */
import { describe, expect, it } from 'vitest';
import { postgresState, spoolText } from '../../../web/src/health-view.js';
import { parseSources, type CollectorHealth } from '../../../web/src/wire.js';
import { COLLECTOR } from './collectors.js';

function collector(over: Partial<typeof COLLECTOR> = {}): CollectorHealth {
  return parseSources({ listeners: [], collectors: [{ ...COLLECTOR, ...over }] })!.collectors[0]!;
}

describe('the Store section', () => {
  it('PostgreSQL: ok, or unreachable since when (in the chosen zone) and why', () => {
    expect(postgresState(collector({ postgres_down_since: null }), 'utc')).toBe('ok');
    expect(postgresState(collector(), 'utc')).toBe(
      'unreachable since 2026-11-28 06:00:00: connect ECONNREFUSED 127.0.0.1:5432',
    );
    expect(postgresState(collector({ postgres_error: null }), 'utc')).toBe(
      'unreachable since 2026-11-28 06:00:00',
    );
  });

  it('the spool as bytes of its maximum, and why it is full', () => {
    expect(spoolText(collector())).toBe('1.2 GB of 4.0 GB');
    expect(spoolText(collector({ spool_bytes: 0 }))).toBe('0 B of 4.0 GB');
    expect(spoolText(collector({ full: true, full_reason: 'disk' }))).toBe(
      '1.2 GB of 4.0 GB, full (disk)',
    );
    expect(spoolText(collector({ full: true, full_reason: null }))).toBe(
      '1.2 GB of 4.0 GB, full (bytes)',
    );
  });
});
