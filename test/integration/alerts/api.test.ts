/**
 * The alerts API and CLI (issue 19) on a real logharbor: JSON bodies checked field by
 * field, a bad query answered with its column (the search's own parser), the browser
 * guard in force on the new state-changing routes (a form post, another site's page),
 * create, list, replace (a rename keeps the rule's state, a new rule starts it afresh),
 * delete and test fire; every answer read through the wire guards the CLI and the page
 * use. Then `logharbor alerts add|list|test|rm` as the CLI runs them (commander, in this
 * process), against the same server and a real receiver.
 */
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertService } from '../../../api/alerts/service.js';
import { addAlertsCommand } from '../../../cli/alerts.js';
import {
  parseAlertAnswer,
  parseAlertList,
  parseNotifications,
  type AlertInput,
} from '../../../core/alerts/wire.js';
import { silentLogger } from '../../../core/log.js';
import { startHarness, type Harness } from '../../support/harness.js';
import { Receiver } from './receiver.js';

let h: Harness;
let rx: Receiver;
let service: AlertService;

beforeAll(async () => {
  [h, rx] = await Promise.all([startHarness({ LOGHARBOR_API_RATE_LIMIT: '0' }), Receiver.start()]);
  service = new AlertService({
    url: h.db.url,
    pool: h.pool,
    hub: h.hub,
    log: silentLogger,
    webhookTimeoutMs: 2000,
    retryForMs: 60_000,
    keepMs: 86_400_000,
    deliverer: { pollMs: 100 },
  }).start();
});

afterAll(async () => {
  await service?.close();
  await rx?.close();
  await h?.close();
});

function inject(
  method: 'GET' | 'POST' | 'PUT' | 'DELETE',
  url: string,
  body?: unknown,
  headers = {},
) {
  return h.app.inject({
    method,
    url,
    headers: {
      host: '127.0.0.1',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    payload:
      body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const base: AlertInput = {
  name: 'web errors',
  query: 'container:web level>=error',
  rule: { kind: 'any' },
  webhooks: [{ url: 'https://hooks.example.com/services/T0/B0/x', format: 'slack' }],
};

describe('REST', { timeout: 120_000 }, () => {
  it('refuses bad bodies, naming the field, and a bad query with its column', async () => {
    const cases: [unknown, number, string, number?][] = [
      [{ ...base, query: 'container:web (timeout' }, 400, 'LH_QUERY_SYNTAX', 15],
      [{ ...base, query: 'level>=nope' }, 400, 'LH_QUERY_SYNTAX', 8],
      [{ ...base, name: '' }, 400, 'name:'],
      [{ ...base, rule: { kind: 'sometimes' } }, 400, 'rule.kind:'],
      [{ ...base, rule: { kind: 'threshold', more_than: 5 } }, 400, 'rule.within:'],
      [
        { ...base, rule: { kind: 'threshold', more_than: -1, within: '5m' } },
        400,
        'rule.more_than:',
      ],
      [
        { ...base, rule: { kind: 'threshold', more_than: 5, within: '90d' } },
        400,
        'between 1s and 1d',
      ],
      [
        { ...base, rule: { kind: 'absence', container: 'db', for: '5m' } },
        400,
        'leave the query empty',
      ],
      [{ ...base, webhooks: [{ url: 'file:///etc/passwd' }] }, 400, 'webhooks[0].url:'],
      [{ ...base, webhooks: [{ url: 'http://x', format: 'xml' }] }, 400, 'webhooks[0].format:'],
      [{ ...base, min_interval: 'soon' }, 400, 'min_interval:'],
    ];
    for (const [body, status, what, column] of cases) {
      const res = await inject('POST', '/api/alerts', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(status);
      const err = res.json().error as { code: string; message: string; column?: number };
      if (what.startsWith('LH_')) {
        expect(err.code).toBe(what);
        expect(err.column).toBe(column);
      } else {
        expect(err.code).toBe('LH_BAD_REQUEST');
        expect(err.message).toContain(what);
      }
    }
  });

  it('keeps the browser guard: no form posts, no other site, same-origin page allowed', async () => {
    const form = await inject('POST', '/api/alerts', 'name=x', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect([form.statusCode, form.json().error.code]).toEqual([415, 'LH_NOT_JSON']);
    const foreign = await inject('POST', '/api/alerts', base, { origin: 'https://evil.example' });
    expect([foreign.statusCode, foreign.json().error.code]).toEqual([403, 'LH_ORIGIN_NOT_ALLOWED']);
    const del = await inject('DELETE', '/api/alerts/1', undefined, {
      origin: 'https://evil.example',
    });
    expect(del.statusCode).toBe(403);
    const own = await inject('POST', '/api/alerts', base, { origin: 'http://127.0.0.1' });
    expect(own.statusCode).toBe(201);
    await inject('DELETE', `/api/alerts/${own.json().alert.id}`);
  });

  it('creates, lists, replaces, tests and deletes', async () => {
    const created = await inject('POST', '/api/alerts', base);
    expect(created.statusCode).toBe(201);
    const alert = parseAlertAnswer(created.json());
    expect(alert).toMatchObject({
      name: 'web errors',
      query: 'container:web level>=error',
      rule: { kind: 'any' },
      min_interval: '1m',
      enabled: true,
      state: 'ok',
      webhooks: [{ format: 'slack', pending: 0, failed: 0, last_error: null }],
    });
    const id = alert!.id;
    const list = parseAlertList((await inject('GET', '/api/alerts')).json());
    expect(list?.map((a) => a.id)).toContain(id);

    const revision = async () =>
      (await h.pool.query<{ r: number }>('SELECT revision AS r FROM alerts WHERE id = $1', [id]))
        .rows[0]!.r;
    const renamed = await inject('PUT', `/api/alerts/${id}`, { ...base, name: 'renamed' });
    expect(parseAlertAnswer(renamed.json())?.name).toBe('renamed');
    expect(await revision()).toBe(1);
    const changed = await inject('PUT', `/api/alerts/${id}`, {
      ...base,
      rule: { kind: 'threshold', more_than: 10, within: '90s' },
    });
    expect(parseAlertAnswer(changed.json())?.rule).toEqual({
      kind: 'threshold',
      more_than: 10,
      within: '90s',
    });
    expect(await revision()).toBe(2);

    const fired = await inject('POST', `/api/alerts/${id}/test`);
    expect(fired.statusCode).toBe(202);
    const notes = parseNotifications(
      (await inject('GET', `/api/alerts/notifications?alert=${id}`)).json(),
    );
    expect(notes).toHaveLength(1);
    expect(notes![0]).toMatchObject({
      id: fired.json().notification_id,
      kind: 'test',
      alert_name: 'web errors',
      deliveries: [{ format: 'slack', url: base.webhooks![0]!.url }],
    });
    expect(notes![0]!.text).toBe(
      'logharbor alert "web errors": test notification (more than 10 matches within 90s of container:web level>=error)',
    );

    expect((await inject('DELETE', `/api/alerts/${id}`)).statusCode).toBe(204);
    expect((await inject('GET', `/api/alerts/${id}`)).statusCode).toBe(404);
    expect((await inject('DELETE', `/api/alerts/${id}`)).statusCode).toBe(404);
    expect((await inject('POST', `/api/alerts/${id}/test`)).statusCode).toBe(404);
    expect((await inject('GET', '/api/alerts/x1')).statusCode).toBe(400);
    const rows = await h.pool.query('SELECT 1 FROM alert_notifications WHERE alert_id = $1', [id]);
    expect(rows.rowCount).toBe(0);
  });
});

describe('logharbor alerts', { timeout: 120_000 }, () => {
  /** Runs the CLI's `alerts` command in this process; its output lines. */
  async function cli(...args: string[]): Promise<string[]> {
    const out: string[] = [];
    const program = new Command().exitOverride();
    addAlertsCommand(program, { line: (s) => out.push(s), style: () => ({ color: false }) });
    await program.parseAsync(['alerts', ...args, '--url', h.httpUrl], { from: 'user' });
    return out;
  }

  it('adds, lists, tests and removes alerts', async () => {
    const added = await cli(
      'add',
      'api down',
      'container:api level>=error',
      '--more-than',
      '3',
      '--within',
      '2m',
      '--webhook',
      rx.url('/cli'),
      '--min-interval',
      '5m',
    );
    const id =
      /^(\d+) {2}api down {2}ok {2}more than 3 matches within 2m of container:api level>=error {2}\(at most every 5m\)$/.exec(
        added[0]!,
      )?.[1];
    expect(id, added.join('\n')).toBeDefined();
    expect(added[1]).toBe(`    json ${rx.url('/cli')}  nothing sent yet`);

    const tested = await cli('test', id!);
    expect(tested[0]).toMatch(/^test notification \d+ queued for alert \d+'s webhooks/);
    await rx.until(() => rx.bodies('/cli').length === 1, 'the test notification');
    expect(rx.bodies('/cli')[0]).toMatchObject({ kind: 'test', alert: { id, name: 'api down' } });

    await expect
      .poll(async () => (await cli('list')).join('\n'), { timeout: 60_000 })
      .toContain(`json ${rx.url('/cli')}  delivered `);
    const json = await cli('list', '--json');
    expect(json.map((l) => JSON.parse(l) as { id: string }).map((a) => a.id)).toContain(id);

    expect(await cli('rm', id!)).toEqual([`alert ${id} deleted`]);
    expect((await cli('list')).join('\n')).not.toContain('api down');
  });

  it('says what is wrong: the rule, the query (with a caret), an unknown id', async () => {
    await expect(cli('add', 'x', 'error')).rejects.toThrow('give one rule');
    await expect(cli('add', 'x', 'error', '--more-than', '3')).rejects.toThrow('--within');
    await expect(cli('add', 'x', 'container:web (timeout', '--any')).rejects.toThrow(
      "LH_QUERY_SYNTAX: query syntax error: missing ')' to close this '(' (at column 15)\n  container:web (timeout\n                ^",
    );
    await expect(cli('rm', '999999')).rejects.toThrow('LH_NOT_FOUND: not found: no alert 999999');
    await expect(cli('test', 'abc')).rejects.toThrow('expected an alert id');
  });
});
