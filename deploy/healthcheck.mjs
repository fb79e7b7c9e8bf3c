#!/usr/bin/env node
/**
 * The image's HEALTHCHECK (Dockerfile). Slim images have no curl, so node probes:
 *
 *   serve, api   GET /readyz on LOGHARBOR_HTTP_ADDR: 200 once PostgreSQL answers.
 *   collector    it has no HTTP server: a TCP connect to the forward listener (else the
 *                syslog TCP one). A connection that sends nothing is Fluentd's own
 *                heartbeat (Forward Protocol v1), which the collector takes as normal.
 *
 * The role is the first argument, else read from PID 1's command line (the container's
 * ENTRYPOINT + CMD, e.g. `node bin/logharbor.js collector`, also behind `init: true`),
 * else `serve`. Commands that are not servers (migrate, search, tail) are healthy while
 * they run. Exit 0 healthy, 1 unhealthy (Docker's contract; 2 is reserved).
 *
 * Plain JavaScript because it runs in the image next to dist/, whose address parser
 * it reuses, so `LOGHARBOR_*_ADDR` means the same here as in the server.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import process from 'node:process';
import { parseAddress } from '../dist/core/config.js';

const TIMEOUT_MS = 3000;
const SERVERS = new Set(['serve', 'collector', 'api']);

function roleOfPid1() {
  try {
    const args = readFileSync('/proc/1/cmdline', 'utf8').split('\0');
    const i = args.findIndex((a) => a.endsWith('logharbor.js'));
    return i >= 0 ? (args[i + 1] ?? 'serve') : 'serve';
  } catch {
    return 'serve';
  }
}

/** A listener bound to every interface is probed on loopback. */
function target(env, fallback) {
  const a = parseAddress(env, process.env[env] ?? fallback);
  if (!a) return null;
  const host = a.host === '0.0.0.0' ? '127.0.0.1' : a.host === '::' ? '::1' : a.host;
  return { host, port: a.port };
}

function getReady({ host, port }) {
  return new Promise((resolve) => {
    // `Host: localhost`: logharbor answers only Host names it can trust
    // (api/security/host-check.ts), and localhost always is, even when
    // LOGHARBOR_HTTP_ADDR names the listener by a host name.
    const headers = { host: `localhost:${port}` };
    const req = http.get({ host, port, path: '/readyz', headers, timeout: TIMEOUT_MS }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 ? null : `/readyz answered ${res.statusCode}`);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${TIMEOUT_MS} ms`)));
    req.on('error', (e) => resolve(`http://${host}:${port}/readyz: ${e.message}`));
  });
}

function connects({ host, port }) {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: TIMEOUT_MS }, () => {
      s.end();
      resolve(null);
    });
    s.on('timeout', () => s.destroy(new Error(`no connection in ${TIMEOUT_MS} ms`)));
    s.on('error', (e) => resolve(`tcp ${host}:${port}: ${e.message}`));
  });
}

async function probe(role) {
  if (!SERVERS.has(role)) return null;
  const httpAddr = role === 'collector' ? null : target('LOGHARBOR_HTTP_ADDR', '127.0.0.1:8080');
  if (httpAddr) return getReady(httpAddr);
  if (role === 'api') return 'LOGHARBOR_HTTP_ADDR is off: nothing to probe';
  const tcp =
    target('LOGHARBOR_FORWARD_ADDR', '127.0.0.1:24224') ??
    target('LOGHARBOR_SYSLOG_TCP_ADDR', '127.0.0.1:5514');
  // Only UDP or unix listeners left: no probe can tell more than "the process runs".
  return tcp ? connects(tcp) : null;
}

const role = process.argv[2] ?? roleOfPid1();
const problem = await probe(role).catch((e) => String(e instanceof Error ? e.message : e));
if (problem) {
  process.stderr.write(`unhealthy (${role}): ${problem}\n`);
  process.exit(1);
}
process.stdout.write(`healthy (${role})\n`);
