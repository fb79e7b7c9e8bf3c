/**
 * What logharbor recommends for Docker's fluentd driver, in one place: the start banner,
 * the doctor, the README, docker-compose.yml and deploy/daemon.json all say this (a test
 * checks they agree). Measured lossless on a real engine (Docker 20.10.24, both streams at
 * once; docs/architecture.md, "Docker's fluentd driver"). Not `fluentd-request-ack`: with it
 * Docker's client loses lines and hangs when a container writes stdout and stderr at once
 * (its ack race), whatever the server answers; logharbor's spool makes what it reads
 * durable without the sender's acks. Not `fluentd-async`: it drops the lines still unsent
 * when a container exits (bench/docker-advice.ts measures both).
 */

/** `--log-opt` pairs, beside `fluentd-address`. */
export const FLUENTD_OPTS: readonly (readonly [string, string])[] = [
  ['fluentd-sub-second-precision', 'true'],
  ['labels', 'com.docker.compose.project,com.docker.compose.service'],
];

/** A ready-to-paste `docker run` for a forward listener at `address` (host:port). */
export function dockerRunLines(address: string): string[] {
  return [
    `  docker run --log-driver=fluentd --log-opt fluentd-address=${address} \\`,
    ...FLUENTD_OPTS.map(([k, v]) => `    --log-opt ${k}=${v} \\`),
    '    busybox echo hello',
  ];
}
