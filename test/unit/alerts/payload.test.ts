/**
 * What a webhook receives (api/alerts/payload.ts) and what the API takes (spec.ts):
 * the JSON body with its notification id, Slack's `{"text"}` with log text escaped, and
 * durations read and written back the same.
 */
import { describe, expect, it } from 'vitest';
import { formatDurationMs, humanDuration, parseDurationMs } from '../../../core/alerts/duration.js';
import { payloadOf, testPayload, webhookBody } from '../../../api/alerts/payload.js';
import {
  parseAlertInput,
  ruleFromJson,
  ruleJson,
  ruleView,
  type StoredAlert,
} from '../../../api/alerts/spec.js';
import type { Decision } from '../../../api/alerts/rules.js';

const alert: StoredAlert = {
  id: '7',
  name: 'web errors',
  query: 'container:web level>=error',
  rule: { kind: 'threshold', moreThan: 100, withinMs: 300_000 },
  minIntervalMs: 60_000,
  webhooks: [],
  enabled: true,
  revision: 3,
  createdAt: 0,
  revisedAt: 0,
  updatedAt: 0,
};

const firing: Decision = {
  key: '3:1:firing',
  kind: 'firing',
  at: Date.parse('2030-01-01T12:00:00Z'),
  count: 120,
  samples: [
    {
      id: '41',
      ts: '2030-01-01T11:59:59.000000000Z',
      received_at: '2030-01-01T11:59:59.100000Z',
      container_name: 'web',
      message: 'GET /x 500 <!channel> & <@U123>\nsecond line',
    },
  ],
  since: Date.parse('2030-01-01T12:00:00Z'),
  lastSeen: null,
  suppressed: 2,
};

describe('payload', () => {
  it('says what happened in one line, with the alert, counts and samples beside it', () => {
    const p = payloadOf(alert, firing);
    expect(p).toEqual({
      kind: 'firing',
      alert: {
        id: '7',
        name: 'web errors',
        query: 'container:web level>=error',
        rule: { kind: 'threshold', more_than: 100, within: '5m' },
      },
      text: 'logharbor alert "web errors" FIRING: 120 matches of container:web level>=error within 5m (more than 100) (2 earlier episodes not notified: min_interval)',
      at: '2030-01-01T12:00:00.000Z',
      count: 120,
      samples: firing.samples,
      since: '2030-01-01T12:00:00.000Z',
      last_seen: null,
      suppressed: 2,
    });
    const resolved = payloadOf(alert, {
      ...firing,
      kind: 'resolved',
      at: firing.at + 250_000,
      count: 900,
      suppressed: 0,
    });
    expect(resolved.text).toBe(
      'logharbor alert "web errors" RESOLVED: 100 or fewer matches within 5m again, after 4m 10s (900 matches in all)',
    );
  });

  it('JSON: the payload and the notification id; Slack: text only, log text escaped', () => {
    const p = payloadOf(alert, firing);
    expect(JSON.parse(webhookBody('json', '99', p))).toEqual({ notification_id: '99', ...p });
    const slack = JSON.parse(webhookBody('slack', '99', p)) as Record<string, string>;
    expect(Object.keys(slack)).toEqual(['text']);
    expect(slack.text).toBe(
      `${p.text.replace('>=', '&gt;=')}\n\`\`\`\n11:59:59 web: GET /x 500 &lt;!channel&gt; &amp; &lt;@U123&gt;\n\`\`\``,
    );
    const fence = payloadOf(alert, {
      ...firing,
      samples: [{ ...firing.samples[0]!, message: 'a ``` b' }],
    });
    expect(JSON.parse(webhookBody('slack', '1', fence)).text).toContain("a ''' b");
  });

  it('a test notification names the rule', () => {
    expect(testPayload(alert, 0).text).toBe(
      'logharbor alert "web errors": test notification (more than 100 matches within 5m of container:web level>=error)',
    );
  });
});

describe('spec', () => {
  it('round-trips rules through storage and the API', () => {
    for (const rule of [
      { kind: 'any' } as const,
      { kind: 'threshold', moreThan: 5, withinMs: 90_000 } as const,
      { kind: 'absence', container: 'db', forMs: 600_000 } as const,
    ]) {
      expect(ruleFromJson(JSON.parse(JSON.stringify(ruleJson(rule))))).toEqual(rule);
    }
    expect(ruleView({ kind: 'absence', container: 'db', forMs: 600_000 })).toEqual({
      kind: 'absence',
      container: 'db',
      for: '10m',
    });
  });

  it('reads a body: defaults, a container without its slash, a trimmed name', () => {
    expect(
      parseAlertInput({
        name: ' db silent ',
        rule: { kind: 'absence', container: '/db', for: '90s' },
      }),
    ).toEqual({
      name: 'db silent',
      query: '',
      rule: { kind: 'absence', container: 'db', forMs: 90_000 },
      minIntervalMs: 60_000,
      webhooks: [],
      enabled: true,
    });
    expect(() => parseAlertInput([])).toThrow('body: expected a JSON object');
    expect(() =>
      parseAlertInput({
        name: 'x',
        rule: { kind: 'any' },
        webhooks: new Array(11).fill({ url: 'http://a' }),
      }),
    ).toThrow('webhooks: expected a list of at most 10');
  });
});

describe('durations', () => {
  it('read as the config reads them, written in the largest unit that divides them', () => {
    expect(
      ['500ms', '30s', '30', '5m', '1.5h', '2d', 'x', '5 m', '-1s'].map(parseDurationMs),
    ).toEqual([500, 30_000, 30_000, 300_000, 5_400_000, 172_800_000, null, null, null]);
    expect([0, 1500, 90_000, 300_000, 5_400_000, 86_400_000].map(formatDurationMs)).toEqual([
      '0s',
      '1500ms',
      '90s',
      '5m',
      '90m',
      '1d',
    ]);
    expect([850, 61_000, 7_500_000, 90_000_000].map(humanDuration)).toEqual([
      '850ms',
      '1m 1s',
      '2h 5m',
      '1d 1h',
    ]);
  });
});
