/**
 * `logharbor alerts list|add|rm|test`: alerts of a running logharbor, through its API
 * (README, "Alerts"), as `search` and `doctor` talk to it (cli/remote.ts: --url, the
 * token). What comes back is checked by the wire guards of core/alerts/wire.ts.
 *
 *   logharbor alerts add 'web errors' 'container:web level>=error' --any --slack https://hooks...
 *   logharbor alerts add 'too many 5xx' 'attrs.status>=500' --more-than 100 --within 5m --webhook https://...
 *   logharbor alerts add 'db silent' --absent db --for 10m --webhook https://...
 */
import type { Command } from 'commander';
import {
  describeRule,
  parseAlertAnswer,
  parseAlertList,
  parseTestFire,
} from '../core/alerts/wire.js';
import type { AlertInput, AlertView } from '../core/alerts/wire.js';
import { cleanMessage, type Style } from './output.js';
import { DEFAULT_URL, apiError, authHeaders, resolveRemote, type Remote } from './remote.js';

export interface RemoteOptions {
  url: string;
  token?: string;
  json?: boolean;
}

export interface AddOptions extends RemoteOptions {
  any?: boolean;
  moreThan?: string;
  within?: string;
  absent?: string;
  for?: string;
  webhook: string[];
  slack: string[];
  minInterval?: string;
  disabled?: boolean;
}

/** Sends a JSON request to the API; an error answer becomes a thrown Error (with a caret under a query's column). */
export async function sendJson(
  remote: Remote,
  method: string,
  path: string,
  body?: unknown,
  query = '',
): Promise<unknown> {
  const headers: Record<string, string> = { ...authHeaders(remote) };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(new URL(path, remote.base), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    const code = (e as { cause?: { code?: string } }).cause?.code;
    throw new Error(`cannot reach ${remote.base.origin}${code ? ` (${code})` : ''}`, { cause: e });
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? null : JSON.parse(text);
  } catch {
    parsed = null;
  }
  if (!res.ok) throw apiError(query, res.status, parsed);
  return parsed;
}

/** The request body `add` sends, from its arguments and flags. */
export function alertInput(name: string, query: string, o: AddOptions): AlertInput {
  const kinds = [o.any, o.moreThan !== undefined, o.absent !== undefined].filter(Boolean).length;
  if (kinds !== 1)
    throw new Error(
      'give one rule: --any, --more-than <n> --within <age>, or --absent <container> --for <age>',
    );
  let rule: AlertInput['rule'];
  if (o.moreThan !== undefined) {
    if (!/^\d{1,10}$/.test(o.moreThan))
      throw new Error(`--more-than: expected a whole number, got ${o.moreThan}`);
    if (o.within === undefined) throw new Error('--more-than needs --within, e.g. --within 5m');
    rule = { kind: 'threshold', more_than: Number(o.moreThan), within: o.within };
  } else if (o.absent !== undefined) {
    if (o.for === undefined) throw new Error('--absent needs --for, e.g. --for 10m');
    rule = { kind: 'absence', container: o.absent, for: o.for };
  } else rule = { kind: 'any' };
  return {
    name,
    query,
    rule,
    ...(o.minInterval === undefined ? {} : { min_interval: o.minInterval }),
    webhooks: [
      ...o.webhook.map((url) => ({ url, format: 'json' as const })),
      ...o.slack.map((url) => ({ url, format: 'slack' as const })),
    ],
    enabled: !o.disabled,
  };
}

/** One alert as a few readable lines. */
export function formatAlert(a: AlertView, style: Style): string[] {
  const paint = (code: string, s: string) => (style.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const state =
    a.state === 'firing'
      ? paint('1;31', `firing${a.since ? ` since ${a.since.slice(0, 19)}Z` : ''}`)
      : a.state === 'off'
        ? paint('2', 'off')
        : paint('32', 'ok');
  const what = `${describeRule(a.rule)}${a.query.trim() === '' ? '' : ` of ${a.query}`}`;
  const lines = [
    `${a.id}  ${cleanMessage(a.name, style)}  ${state}  ${cleanMessage(what, style)}  (at most every ${a.min_interval})`,
  ];
  for (const w of a.webhooks) {
    const health =
      w.last_error !== null
        ? paint('31', `failing: ${w.last_error}`)
        : w.last_delivered_at !== null
          ? `delivered ${w.last_delivered_at.slice(0, 19)}Z`
          : 'nothing sent yet';
    const queue = [
      w.pending > 0 ? `${w.pending} pending` : '',
      w.failed > 0 ? paint('31', `${w.failed} given up`) : '',
    ].filter(Boolean);
    lines.push(
      `    ${w.format} ${w.url}  ${health}${queue.length ? ` (${queue.join(', ')})` : ''}`,
    );
  }
  if (a.webhooks.length === 0) lines.push('    no webhook (shown on the page only)');
  return lines;
}

const bad = () => new Error('the server sent an answer this command does not understand');

export async function listAlerts(
  o: RemoteOptions,
  write: (line: string) => void,
  style: Style,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const body = await sendJson(resolveRemote(o, env), 'GET', '/api/alerts');
  const alerts = parseAlertList(body);
  if (!alerts) throw bad();
  if (o.json) {
    for (const a of alerts) write(JSON.stringify(a));
    return;
  }
  if (alerts.length === 0) write('no alerts (logharbor alerts add --help)');
  for (const a of alerts) for (const l of formatAlert(a, style)) write(l);
}

export async function addAlert(
  name: string,
  query: string,
  o: AddOptions,
  write: (line: string) => void,
  style: Style,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const input = alertInput(name, query, o);
  const body = await sendJson(resolveRemote(o, env), 'POST', '/api/alerts', input, query);
  const alert = parseAlertAnswer(body);
  if (!alert) throw bad();
  if (o.json) write(JSON.stringify(alert));
  else for (const l of formatAlert(alert, style)) write(l);
}

function alertId(id: string): string {
  if (!/^\d{1,18}$/.test(id))
    throw new Error(`expected an alert id (logharbor alerts list), got ${id}`);
  return id;
}

export async function removeAlert(
  id: string,
  o: RemoteOptions,
  write: (line: string) => void,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  await sendJson(resolveRemote(o, env), 'DELETE', `/api/alerts/${alertId(id)}`);
  write(`alert ${id} deleted`);
}

export async function testAlert(
  id: string,
  o: RemoteOptions,
  write: (line: string) => void,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const body = await sendJson(resolveRemote(o, env), 'POST', `/api/alerts/${alertId(id)}/test`);
  const n = parseTestFire(body);
  if (n === null) throw bad();
  write(
    `test notification ${n} queued for alert ${id}'s webhooks; see \`logharbor alerts list\` for how they answer`,
  );
}

const TOKEN_HELP = 'API token; prefer LOGHARBOR_API_TOKEN or LOGHARBOR_API_TOKEN_FILE (not in ps)';
const collect = (v: string, prev: string[]) => [...prev, v];

/** Adds `alerts` and its subcommands to the program (cli/main.ts). */
export function addAlertsCommand(
  program: Command,
  io: { line: (s: string) => void; style: () => Style },
): void {
  const alerts = program
    .command('alerts')
    .description('alerts of a running logharbor: saved searches with a rule, sent to webhooks');
  const remote = (c: Command) =>
    c.option('--url <url>', 'the logharbor API', DEFAULT_URL).option('--token <token>', TOKEN_HELP);
  remote(
    alerts
      .command('list')
      .description('every alert, its state and webhooks')
      .option('--json', 'NDJSON'),
  ).action((o: RemoteOptions) => listAlerts(o, io.line, io.style(), process.env));
  remote(
    alerts
      .command('add')
      .description('create an alert; one rule: --any, --more-than/--within, or --absent/--for')
      .argument('<name>', 'what notifications call it')
      .argument('[query]', 'the lines it watches (query language; empty: every line)', '')
      .option('--any', 'notify on any match (grouped per --min-interval)')
      .option('--more-than <n>', 'notify when more than n lines match within --within')
      .option('--within <age>', 'the window of --more-than, e.g. 5m')
      .option('--absent <container>', 'notify when this container writes no line for --for')
      .option('--for <age>', 'the silence of --absent, e.g. 10m')
      .option('--webhook <url>', 'POST the JSON payload here (repeatable)', collect, [])
      .option(
        '--slack <url>',
        'POST {"text": ...} here, a Slack incoming webhook (repeatable)',
        collect,
        [],
      )
      .option('--min-interval <age>', 'at most one notification this often (default 1m)')
      .option('--disabled', 'create it switched off')
      .option('--json', 'print the alert as JSON'),
  ).action((name: string, query: string, o: AddOptions) =>
    addAlert(name, query, o, io.line, io.style(), process.env),
  );
  remote(alerts.command('rm').description('delete an alert').argument('<id>')).action(
    (id: string, o: RemoteOptions) => removeAlert(id, o, io.line, process.env),
  );
  remote(
    alerts
      .command('test')
      .description("send a test notification to an alert's webhooks")
      .argument('<id>'),
  ).action((id: string, o: RemoteOptions) => testAlert(id, o, io.line, process.env));
}
