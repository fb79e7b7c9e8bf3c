import { describe, expect, it } from 'vitest';
import {
  CONTAINER_COLORS,
  colorSlot,
  formatCount,
  formatRate,
  originName,
  severityLabel,
} from '../../../web/src/format.js';
import { rec } from './records.js';

describe('format', () => {
  it('severity labels by RFC 5424 number', () => {
    expect([0, 3, 4, 7].map(severityLabel)).toEqual(['EMERG', 'ERROR', 'WARN', 'DEBUG']);
    expect(severityLabel(null)).toBe('');
    expect(severityLabel(12)).toBe('');
  });

  it('counts and rates stay short', () => {
    expect([0, 999, 1000, 1540, 15_400, 2_500_000, 3e9].map(formatCount)).toEqual([
      '0',
      '999',
      '1k',
      '1.5k',
      '15k',
      '2.5M',
      '3G',
    ]);
    expect(formatCount(-1)).toBe('0');
    expect([0, 0.25, 7.77, 412.5, 12_345].map(formatRate)).toEqual([
      '0/s',
      '0.3/s',
      '7.8/s',
      '413/s',
      '12k/s',
    ]);
  });

  it('a container keeps its colour slot', () => {
    const slots = ['web', 'api', 'db', 'worker', 'queue', 'cache', 'proxy', 'cron', 'mail'].map(
      colorSlot,
    );
    for (const s of slots) {
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThan(CONTAINER_COLORS);
    }
    expect(new Set(slots).size).toBeGreaterThan(3);
    expect(colorSlot('web')).toBe(slots[0]);
  });

  it('a line without a container is named by app, tag or host', () => {
    expect(originName(rec(1))).toBe('web');
    expect(originName({ ...rec(1), container_name: null, app: 'sshd', host: 'h' })).toBe('sshd');
    expect(originName({ ...rec(1), container_name: null, tag: null, host: 'h' })).toBe('h');
    // Known only by id (Docker's syslog driver, default tag): its short id, as docker ps shows it.
    expect(originName({ ...rec(1), container_name: null, container_id: 'ab'.repeat(32) })).toBe(
      'ab'.repeat(6),
    );
  });
});
