/**
 * Structural rules for docker-compose.yml (docs/architecture.md, "Deployment"; issue 7), checked on
 * the parsed file whether or not a Compose binary is installed:
 *
 *   no-links         no `links` (service names resolve on the user network)
 *   network          every service on a user-defined bridge network, no network_mode
 *   secrets          every secret from a file under ./deploy/secrets; every `*_FILE`
 *                    variable names /run/secrets/<a secret that service mounts>
 *   plaintext        no secret in `environment`: no secret setting of core/config.ts (or
 *                    POSTGRES_PASSWORD) by value, no URL with a password
 *   limits           every service has deploy.resources.limits cpus and memory
 *   app-logging      a service logs through the fluentd driver with exactly the options
 *                    core/docker-advice.ts recommends, beside fluentd-address
 *   roles            postgres:17 with a named volume; collector and api from one image,
 *                    each with its command; the collector's ports published
 */
import { parse } from 'yaml';
import { SETTINGS } from '../../../core/config.js';
import { FLUENTD_OPTS } from '../../../core/docker-advice.js';

export interface ComposeViolation {
  rule: string;
  where: string;
  message: string;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Anchors and `<<` merge keys as Compose reads them (YAML 1.1 merge). */
export function parseCompose(text: string): Obj {
  return obj(parse(text, { merge: true }));
}

/** `environment` as a map or as a list of NAME=value. */
function envOf(service: Obj): Map<string, string> {
  const env = service.environment;
  const out = new Map<string, string>();
  if (Array.isArray(env)) {
    for (const e of env) {
      const s = String(e);
      const i = s.indexOf('=');
      out.set(i < 0 ? s : s.slice(0, i), i < 0 ? '' : s.slice(i + 1));
    }
  } else {
    for (const [k, v] of Object.entries(obj(env))) out.set(k, v === null ? '' : String(v));
  }
  return out;
}

/** Service names of a secret list (short `name` or long `{source: name}` syntax). */
function secretNames(service: Obj): string[] {
  return list(service.secrets).map((s) => (isObj(s) ? String(s.source) : String(s)));
}

const SECRET_VARS = new Set<string>([
  ...SETTINGS.filter((s) => s.kind === 'secret').map((s) => s.env),
  'POSTGRES_PASSWORD',
]);

/** The fluentd driver's options a Compose service should have, each with its check. */
const FLUENTD_OPTIONS: Record<string, (v: string) => boolean> = {
  'fluentd-address': (v) => /^(tcp:\/\/)?[\w.-]+:\d+$/.test(v),
  ...Object.fromEntries(FLUENTD_OPTS.map(([k, want]) => [k, (v: string) => v === want])),
};

/** `[host:]published:target[/proto]` entries of a service's ports, short syntax. */
function publishes(service: Obj, port: number, proto: 'tcp' | 'udp'): boolean {
  return list(service.ports).some((p) => {
    const m = /^(?:.*:)?(\d+):(\d+)(?:\/(tcp|udp))?$/.exec(String(p));
    return m !== null && Number(m[2]) === port && (m[3] ?? 'tcp') === proto;
  });
}

export function lintCompose(doc: Obj): ComposeViolation[] {
  const v: ComposeViolation[] = [];
  const add = (rule: string, where: string, message: string) => v.push({ rule, where, message });
  const services = obj(doc.services);
  const networks = obj(doc.networks);
  const secrets = obj(doc.secrets);
  const bridges = new Set(
    Object.entries(networks)
      .filter(([, n]) => (obj(n).driver ?? 'bridge') === 'bridge' && !obj(n).external)
      .map(([name]) => name),
  );

  for (const [name, s] of Object.entries(secrets)) {
    const file = obj(s).file;
    if (typeof file !== 'string' || !file.startsWith('./deploy/secrets/'))
      add('secrets', `secrets.${name}`, 'must come from a file under ./deploy/secrets/');
  }

  for (const [name, raw] of Object.entries(services)) {
    const s = obj(raw);
    const at = `services.${name}`;
    if ('links' in s) add('no-links', at, 'links are legacy: use the user network');

    const nets = isObj(s.networks) ? Object.keys(s.networks) : list(s.networks).map(String);
    if ('network_mode' in s || !nets.some((n) => bridges.has(n)))
      add('network', at, 'not on a user-defined bridge network');

    const mounted = secretNames(s);
    for (const m of mounted)
      if (!(m in secrets)) add('secrets', at, `uses secret ${m}, which is not defined`);
    for (const [k, val] of envOf(s)) {
      if (k.endsWith('_FILE')) {
        const m = /^\/run\/secrets\/([\w.-]+)$/.exec(val);
        if (!m || !mounted.includes(m[1]!))
          add('secrets', at, `${k}=${val} is not a secret mounted in this service`);
      }
      if (SECRET_VARS.has(k)) add('plaintext', at, `${k} by value: use ${k}_FILE`);
      if (/:\/\/[^/\s:@]+:[^/\s@]+@/.test(val)) add('plaintext', at, `${k} holds a password`);
    }

    const limits = obj(obj(obj(s.deploy).resources).limits);
    if (limits.cpus === undefined || limits.memory === undefined)
      add('limits', at, 'needs deploy.resources.limits cpus and memory');
  }

  const apps = Object.entries(services).filter(([, s]) => obj(obj(s).logging).driver === 'fluentd');
  if (apps.length === 0) add('app-logging', 'services', 'no service logs through fluentd');
  for (const [name, s] of apps) {
    const opts = obj(obj(obj(s).logging).options);
    for (const [opt, ok] of Object.entries(FLUENTD_OPTIONS)) {
      const val = opts[opt];
      if (typeof val !== 'string' || !ok(val))
        add('app-logging', `services.${name}`, `logging option ${opt}=${String(val)}`);
    }
    // Nothing else: fluentd-request-ack loses lines, fluentd-async drops them at exit.
    for (const opt of Object.keys(opts))
      if (!(opt in FLUENTD_OPTIONS))
        add('app-logging', `services.${name}`, `logging option ${opt} is not recommended`);
  }

  const pg = obj(services.postgres);
  const pgVolume = list(pg.volumes)
    .map(String)
    .find((m) => m.endsWith(':/var/lib/postgresql/data'));
  if (pg.image !== 'postgres:17' || !pgVolume || !(pgVolume.split(':')[0]! in obj(doc.volumes)))
    add('roles', 'services.postgres', 'postgres:17 with a named volume on its data directory');
  const collector = obj(services.collector);
  const api = obj(services.api);
  if (JSON.stringify(collector.command) !== '["collector"]')
    add('roles', 'services.collector', 'command must be ["collector"]');
  if (JSON.stringify(api.command) !== '["api"]')
    add('roles', 'services.api', 'command must be ["api"]');
  if (collector.image === undefined || collector.image !== api.image)
    add('roles', 'services', 'collector and api must run the same image');
  for (const [port, proto] of [
    [24224, 'tcp'],
    [5514, 'tcp'],
    [5514, 'udp'],
  ] as const) {
    if (!publishes(collector, port, proto))
      add('roles', 'services.collector', `port ${port}/${proto} not published`);
  }
  if (!publishes(api, 8080, 'tcp')) add('roles', 'services.api', 'port 8080 not published');
  return v;
}
