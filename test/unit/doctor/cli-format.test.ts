/**
 * `logharbor doctor`'s terminal output: the paste-ready lines exactly as the API gave
 * them, senders with nothing to improve folded away, and wire text made harmless.
 */
import { describe, expect, it } from 'vitest';
import { buildReport, type SenderState } from '../../../api/doctor/advice.js';
import { formatDoctor } from '../../../cli/doctor.js';

const base = {
  containerId: null,
  containerName: null,
  tag: null,
  host: null,
  events: 3,
  firstSeen: '2026-11-28T10:00:00.000000Z',
  lastSeen: '2026-11-28T10:05:00.000000Z',
};
const seen = (t: Record<string, string>) =>
  Object.entries(t).map(([trait, value]) => ({ trait, value, count: 1, lastAt: 1 }));

const senders: SenderState[] = [
  {
    ...base,
    source: 'forward',
    sender: 'container:web',
    containerName: 'web',
    containerId: 'f'.repeat(64),
    listener: 'forward-tcp',
    address: '127.0.0.1:24224',
    traits: seen({ ack: 'no', time: 'integer', docker: 'yes', compose: 'no' }),
  },
  {
    ...base,
    source: 'forward',
    sender: 'tag:plain',
    tag: 'plain\u001b]0;owned\u0007',
    listener: 'forward-tcp',
    address: '127.0.0.1:24224',
    traits: seen({ ack: 'no', time: 'event-time', docker: 'no' }),
  },
  {
    ...base,
    source: 'syslog',
    sender: 'container:db',
    containerName: 'db',
    listener: 'syslog-udp',
    address: '127.0.0.1:5514',
    traits: seen({
      format: 'rfc5424',
      hostname: 'yes',
      time: 'fraction',
      year: 'yes',
      docker: 'yes',
      container_tag: 'id-name',
    }),
  },
];
const report = buildReport(
  senders,
  new Date('2026-11-28T10:06:00Z'),
  new Date('2026-11-27T10:06:00Z'),
);

describe('formatDoctor', () => {
  const lines = formatDoctor(report, {}, { color: false });
  const text = lines.join('\n');

  it('prints each finding with the exact lines to paste', () => {
    expect(lines[0]).toBe('3 senders seen since 2026-11-27T10:06:00.000Z, 3 findings');
    expect(text).toContain('forward web (Docker, id ffffffffffff): 3 events');
    expect(text).toContain('  [info] Times in whole seconds (forward-seconds)');
    expect(lines).toContain('    docker run --log-opt fluentd-sub-second-precision=true');
    // One Compose block and one daemon.json per Docker sender, with every change.
    const at = lines.indexOf('  with every change above:');
    expect(lines.slice(at + 1, at + 8)).toEqual([
      '    docker run --log-opt fluentd-sub-second-precision=true --log-opt labels=com.docker.compose.project,com.docker.compose.service',
      '    compose:',
      '      logging:',
      '        driver: fluentd',
      '        options:',
      '          fluentd-address: "127.0.0.1:24224"',
      '          fluentd-sub-second-precision: "true"',
    ]);
    // web's, then the general advice for each Docker driver seen (fluentd, syslog).
    expect(lines.filter((l) => l === '    compose:')).toHaveLength(3);
    expect(text).not.toContain('fluentd-request-ack');
  });

  it('a sender that is not Docker gets its client lines, and no Docker line for acks', () => {
    const at = lines.findIndex((l) => l.startsWith('forward plain'));
    expect(lines[at + 1]).toBe(
      '  [warning] No acknowledgements: lines in flight can be lost (forward-no-ack)',
    );
    const client = lines.indexOf(
      '    fluent-logger (Node.js): createFluentSender(tag, { requireAckResponse: true })',
      at,
    );
    expect(client).toBeGreaterThan(at);
    const next = lines.findIndex((l, i) => i > at && l === '');
    expect(lines.slice(at, next).some((l) => l.includes('docker run'))).toBe(false);
  });

  it('escapes control characters that came off the wire', () => {
    expect(text).not.toContain('\u001b');
    expect(text).not.toContain('\u0007');
    expect(text).toContain('plain\\x1b]0;owned\\x07');
  });

  it('folds senders with nothing to improve unless --all, then the general advice', () => {
    expect(text).not.toContain('syslog db');
    expect(text).toContain('1 more with nothing to improve (--all lists them)');
    expect(text).toContain('For every Docker container:');
    expect(text).toContain('--log-opt mode=non-blocking --log-opt max-buffer-size=4m');
    const all = formatDoctor(report, { all: true }, { color: false }).join('\n');
    expect(all).toContain('syslog db (Docker): 3 events, last seen');
    expect(all).toContain('  nothing to improve');
  });
});
