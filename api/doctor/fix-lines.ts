/**
 * The doctor's paste-ready lines for Docker (docs.docker.com, "Configure logging drivers",
 * "Fluentd logging driver", "Syslog logging driver"): `--log-opt` flags for `docker run`,
 * a Compose `logging:` block and a daemon.json. Compose and daemon.json need every option
 * as a string ("true", not true), and replace the whole option set, so they carry the
 * driver's address too: the address of the listener the sender used.
 */
import type { ClientLine, Fix } from '../../core/doctor/report.js';

export type Driver = 'fluentd' | 'syslog';
export type LogOpt = readonly [name: string, value: string];

/** Stands in for the host when a listener is bound to every interface. */
export const HOST_PLACEHOLDER = '<logharbor-host>';

const SCHEMES: Record<string, string> = {
  'forward-tcp': '',
  'forward-tls': 'tls://',
  'forward-unix': 'unix://',
  'syslog-udp': 'udp://',
  'syslog-tcp': 'tcp://',
  'syslog-tls': 'tcp+tls://',
  'syslog-unix': 'unix://',
  'syslog-unix-dgram': 'unixgram://',
};

const DEFAULT_ADDRESS: Record<Driver, string> = {
  fluentd: `${HOST_PLACEHOLDER}:24224`,
  syslog: `tcp://${HOST_PLACEHOLDER}:5514`,
};

/** `host:port` as Docker wants it: a wildcard host replaced, an IPv6 host in brackets. */
function hostPort(address: string): string {
  const i = address.lastIndexOf(':');
  if (i < 0) return address;
  let host = address.slice(0, i);
  const port = address.slice(i + 1);
  if (host === '0.0.0.0' || host === '::' || host === '[::]' || host === '')
    host = HOST_PLACEHOLDER;
  else if (host.includes(':') && !host.startsWith('[')) host = `[${host}]`;
  return `${host}:${port}`;
}

/** The value of fluentd-address / syslog-address that reaches `listener` at `address`. */
export function driverAddress(
  driver: Driver,
  listener: string | null,
  address: string | null,
): string {
  const scheme = listener === null ? undefined : SCHEMES[listener];
  if (scheme === undefined || address === null || address === '') return DEFAULT_ADDRESS[driver];
  return scheme.startsWith('unix') ? `${scheme}${address}` : `${scheme}${hostPort(address)}`;
}

const SHELL_SAFE = /^[A-Za-z0-9_.,:/=+@%-]*$/;

function shellWord(s: string): string {
  return SHELL_SAFE.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function dockerRunLine(opts: readonly LogOpt[]): string {
  return opts.map(([k, v]) => `--log-opt ${shellWord(`${k}=${v}`)}`).join(' ');
}

/** A `logging:` block to put under a Compose service (YAML double-quoted strings are JSON's). */
export function composeBlock(driver: Driver, address: string, opts: readonly LogOpt[]): string {
  const all: LogOpt[] = [[`${driver}-address`, address], ...opts];
  return [
    'logging:',
    `  driver: ${driver}`,
    '  options:',
    ...all.map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`),
  ].join('\n');
}

/** /etc/docker/daemon.json: the default driver and its options for new containers. */
export function daemonJson(driver: Driver, address: string, opts: readonly LogOpt[]): string {
  const logOpts: Record<string, string> = { [`${driver}-address`]: address };
  for (const [k, v] of opts) logOpts[k] = v;
  return JSON.stringify({ 'log-driver': driver, 'log-opts': logOpts }, null, 2);
}

export function buildFix(
  driver: Driver,
  address: string,
  opts: readonly LogOpt[],
  clients: readonly ClientLine[] = [],
): Fix {
  return {
    docker_run: dockerRunLine(opts),
    compose: composeBlock(driver, address, opts),
    daemon_json: daemonJson(driver, address, opts),
    clients: [...clients],
  };
}
