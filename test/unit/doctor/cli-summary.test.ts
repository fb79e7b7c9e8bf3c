/**
 * `logharbor doctor` without --all (issue 18): 30 senders with the same findings print
 * each finding once with its count and a few names, and the lines to paste once per
 * distinct set, instead of the whole explanation per sender (778 lines before).
 */
import { describe, expect, it } from 'vitest';
import { buildReport, type SenderState } from '../../../api/doctor/advice.js';
import { formatDoctor } from '../../../cli/doctor.js';
import { formatDoctorSummary } from '../../../cli/doctor-summary.js';

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

const docker = (i: number): SenderState => ({
  ...base,
  source: 'forward',
  sender: `container:web-${String(i).padStart(2, '0')}`,
  containerName: `web-${String(i).padStart(2, '0')}`,
  containerId: String(i).padStart(2, '0').repeat(32),
  listener: 'forward-tcp',
  address: '127.0.0.1:24224',
  traits: seen({ ack: 'no', time: 'integer', docker: 'yes', compose: 'no' }),
});
const senders: SenderState[] = [
  ...Array.from({ length: 26 }, (_, i) => docker(i)),
  ...['db', 'cache'].map((name) => ({
    ...base,
    source: 'syslog' as const,
    sender: `container:${name}`,
    containerName: name,
    listener: 'syslog-udp',
    address: '127.0.0.1:5514',
    traits: seen({
      format: 'rfc3164',
      hostname: 'no',
      time: 'seconds',
      year: 'no',
      docker: 'yes',
      container_tag: 'none',
    }),
  })),
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
    sender: 'container:quiet',
    containerName: 'quiet',
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

describe('formatDoctorSummary on 30 senders', () => {
  const lines = formatDoctorSummary(report, { color: false });
  const text = lines.join('\n');
  const detail = formatDoctor(report, { all: true }, { color: false });

  it('is a screen, not a book', () => {
    expect(report.senders).toHaveLength(30);
    expect(lines.length).toBeLessThan(70);
    expect(detail.length).toBeGreaterThan(8 * lines.length);
  });

  it('names each finding once with how many senders have it and a few of them', () => {
    const ids = new Map<string, number>();
    for (const s of report.senders)
      for (const f of s.findings) ids.set(f.id, (ids.get(f.id) ?? 0) + 1);
    expect(lines[0]).toBe(
      `${ids.size} findings for 29 senders (of 30 seen since 2026-11-27T10:06:00.000Z)`,
    );
    for (const [id, n] of ids) {
      const mine = lines.filter((l) => l.includes(`(${id}): `));
      expect(mine, id).toHaveLength(1);
      expect(mine[0]).toContain(`): ${n} sender${n === 1 ? '' : 's'}: `);
    }
    const web = report.senders[0]!.findings[0]!;
    expect(text).toContain(`(${web.id}): 26 senders: web-00, web-01, web-02 and 23 more`);
  });

  it('prints the lines to paste once per distinct set of changes', () => {
    const webFix = report.senders[0]!.fix!;
    expect(lines.filter((l) => l === `    docker run ${webFix.docker_run}`)).toHaveLength(1);
    expect(text).toContain(
      'for 26 Docker senders through forward-tcp 127.0.0.1:24224 (web-00, web-01, web-02 and 23 more):',
    );
    expect(text).toContain('for 2 Docker senders through syslog-udp 127.0.0.1:5514 (db, cache):');
    // A compose block per group, none for the sender that is not Docker.
    expect(lines.filter((l) => l === '    compose:')).toHaveLength(2);
    expect(text).toContain('for 1 sender that is not Docker (plain\\x1b]0;owned\\x07):');
    expect(text).toContain('    fluent-logger (Node.js): ');
    expect(text).toContain(
      '1 more sender with nothing to improve; `logharbor doctor --all` shows each sender with the reasons',
    );
  });

  it('keeps the advice for every Docker container short, and wire text harmless', () => {
    const at = lines.findIndex((l) => l.startsWith('For every Docker container'));
    expect(lines.slice(at + 1).filter((l) => l.startsWith('  ['))).toHaveLength(
      report.general.length,
    );
    expect(text).not.toContain('\u001b');
    expect(text).not.toContain('\u0007');
  });
});
