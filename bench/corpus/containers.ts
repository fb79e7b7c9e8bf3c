/**
 * The 50 containers of the corpus's Docker host: three Compose projects (a shop, its
 * billing, analytics) and the platform around them. Each has its own mix of formats and
 * its own weight, the share of all lines it prints: skewed as on a real host, where two
 * edge proxies print a quarter of everything and a backup job a line an hour.
 */
import type { FormatName } from './formats.js';

export interface ContainerSpec {
  /** Docker name, `<project>-<service>-<replica>` as Compose names them. */
  name: string;
  service: string;
  /** Relative share of the host's lines. */
  weight: number;
  /** Formats it prints, with their relative frequency (per event; a stack trace is many lines). */
  mix: [FormatName, number][];
}

const NGINX: [FormatName, number][] = [
  ['nginxAccess', 0.985],
  ['nginxError', 0.015],
];
const java = (traces: number): [FormatName, number][] => [
  ['javaApp', 1 - traces],
  ['javaTrace', traces],
];
const JSON_ONLY: [FormatName, number][] = [['jsonApp', 1]];
const LOGFMT: [FormatName, number][] = [['logfmtWorker', 1]];
const PG: [FormatName, number][] = [['postgres', 1]];
const REDIS: [FormatName, number][] = [['redis', 1]];

/** [project, service, replicas, weight per replica, mix] */
const SERVICES: [string, string, number, number, [FormatName, number][]][] = [
  ['shop', 'edge-nginx', 2, 7, NGINX],
  ['shop', 'orders-api', 3, 4, java(0.02)],
  ['shop', 'payments-api', 2, 1.5, java(0.03)],
  [
    'shop',
    'cart-api',
    3,
    3.5,
    [
      ['jsonApp', 0.97],
      ['logfmtWorker', 0.03],
    ],
  ],
  ['shop', 'catalog-api', 4, 2.5, JSON_ONLY],
  ['shop', 'search-api', 2, 2, JSON_ONLY],
  ['shop', 'users-api', 2, 1.2, JSON_ONLY],
  ['shop', 'worker-emails', 2, 1.6, LOGFMT],
  ['shop', 'worker-thumbnails', 3, 1.3, LOGFMT],
  ['shop', 'scheduler', 1, 0.1, LOGFMT],
  ['shop', 'postgres', 1, 2.5, PG],
  ['shop', 'postgres-replica', 1, 0.3, PG],
  ['shop', 'redis-cache', 1, 0.05, REDIS],
  ['shop', 'redis-sessions', 1, 0.03, REDIS],
  ['billing', 'api', 2, 0.8, java(0.03)],
  ['billing', 'invoicer', 1, 0.3, LOGFMT],
  ['billing', 'postgres', 1, 0.4, PG],
  ['billing', 'redis', 1, 0.01, REDIS],
  ['analytics', 'collector', 3, 1.5, JSON_ONLY],
  ['analytics', 'etl', 1, 0.2, LOGFMT],
  ['analytics', 'postgres', 1, 0.5, PG],
  ['analytics', 'redis', 1, 0.02, REDIS],
  ['analytics', 'api', 1, 0.3, java(0.05)],
  ['platform', 'traefik', 1, 2, NGINX],
  ['platform', 'ingress-nginx', 1, 2, NGINX],
  ['platform', 'prometheus', 1, 0.05, LOGFMT],
  ['platform', 'grafana', 1, 0.05, LOGFMT],
  ['platform', 'node-exporter', 1, 0.01, LOGFMT],
  [
    'platform',
    'webhooks',
    2,
    0.6,
    [
      ['jsonApp', 0.7],
      ['logfmtWorker', 0.3],
    ],
  ],
  ['platform', 'auth', 2, 1, JSON_ONLY],
  ['platform', 'cron-backup', 1, 0.002, LOGFMT],
];

export const CONTAINER_SPECS: ContainerSpec[] = SERVICES.flatMap(
  ([project, service, replicas, weight, mix]) =>
    Array.from({ length: replicas }, (_, i) => ({
      name: `${project}-${service}-${i + 1}`,
      service,
      weight,
      mix,
    })),
);

if (CONTAINER_SPECS.length !== 50) throw new Error(`${CONTAINER_SPECS.length} containers, not 50`);
