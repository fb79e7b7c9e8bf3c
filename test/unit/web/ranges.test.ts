/** The one-click wider range offered when nothing matched (web/src/ranges.ts, issue 18). */
import { describe, expect, it } from 'vitest';
import { widerRange } from '../../../web/src/ranges.js';

const NOW = Date.UTC(2024, 5, 1, 12, 0);

describe('widerRange', () => {
  it('a preset widens to the next preset, up to 30 days', () => {
    expect(widerRange('5m', '', NOW)).toEqual({
      from: '15m',
      to: '',
      label: 'Search the last 15 minutes',
    });
    expect(widerRange('1h', '', NOW)?.from).toBe('6h');
    expect(widerRange('2h', '', NOW)?.from).toBe('6h');
    expect(widerRange('24h', '', NOW)).toMatchObject({
      from: '7d',
      label: 'Search the last 7 days',
    });
    expect(widerRange('30d', '', NOW)).toBeNull();
  });

  it('a fixed range widens four times around its middle', () => {
    const from = new Date(NOW - 5 * 3_600_000).toISOString();
    const to = new Date(NOW - 4 * 3_600_000).toISOString();
    expect(widerRange(from, to, NOW)).toEqual({
      from: new Date(NOW - 6.5 * 3_600_000).toISOString(),
      to: new Date(NOW - 2.5 * 3_600_000).toISOString(),
      label: 'Search a range four times as wide',
    });
  });

  it('a fixed range that would reach now becomes the preset that holds its start', () => {
    const from = new Date(NOW - 20 * 60_000).toISOString();
    const to = new Date(NOW - 10 * 60_000).toISOString();
    expect(widerRange(from, to, NOW)).toMatchObject({ from: '1h', to: '' });
  });

  it('nonsense gives nothing to offer', () => {
    expect(widerRange('soon', '', NOW)).toBeNull();
    expect(widerRange('2024-06-01T12:00:00Z', '2024-06-01T11:00:00Z', NOW)).toBeNull();
  });
});
