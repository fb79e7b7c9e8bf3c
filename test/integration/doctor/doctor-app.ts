/**
 * What the doctor's integration tests share: an API app on the harness's database that
 * serves GET /api/doctor, a typed
 * read of the report, and fixtures sent the way the real clients sent them.
 */
import { createRequire } from 'node:module';
import dgram from 'node:dgram';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../api/app.js';
import {
  parseDoctorReport,
  type DoctorReport,
  type DoctorSender,
} from '../../../core/doctor/report.js';
import { silentLogger } from '../../../core/log.js';
import type { Harness } from '../../support/harness.js';

export interface DoctorApi {
  url: string;
  app: FastifyInstance;
  /** GET /api/doctor with the token, after making every collector observation visible. */
  report(): Promise<DoctorReport>;
  close(): Promise<void>;
}

export async function startDoctorApi(h: Harness): Promise<DoctorApi> {
  const app = await buildApp({
    pool: h.pool,
    telemetry: h.telemetry,
    log: silentLogger,
    apiToken: h.cfg.apiToken,
    hub: h.hub,
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    url,
    app,
    async report() {
      await h.collector.doctor.flush();
      const headers: Record<string, string> = h.cfg.apiToken
        ? { authorization: `Bearer ${h.cfg.apiToken}` }
        : {};
      const res = await fetch(`${url}/api/doctor`, { headers });
      if (!res.ok) throw new Error(`GET /api/doctor: HTTP ${res.status}`);
      const report = parseDoctorReport(await res.json());
      if (!report) throw new Error('GET /api/doctor: not a report');
      return report;
    },
    close: () => app.close(),
  };
}

export function senderOf(r: DoctorReport, sender: string): DoctorSender {
  const s = r.senders.find((x) => x.sender === sender);
  if (!s) throw new Error(`no sender ${sender} in ${r.senders.map((x) => x.sender).join(', ')}`);
  return s;
}

export const findingIds = (s: DoctorSender): string[] => s.findings.map((f) => f.id);

export async function sendUdp(port: number, messages: Buffer[]): Promise<void> {
  const sock = dgram.createSocket('udp4');
  for (const m of messages)
    await new Promise<void>((res, rej) =>
      sock.send(m, port, '127.0.0.1', (e) => (e ? rej(e) : res())),
    );
  sock.close();
}

// fluent-logger is CommonJS without types.
const require = createRequire(import.meta.url);
const fluent = require('fluent-logger') as {
  createFluentSender(prefix: string, opts: Record<string, unknown>): PlainSender;
  EventTime: new (seconds: number, nanoseconds: number) => object;
};

interface PlainSender {
  emit(label: string, data: Record<string, unknown>, cb: (err?: Error) => void): void;
  emit(label: string, data: Record<string, unknown>, time: object, cb: (err?: Error) => void): void;
  end(): void;
  on(ev: string, cb: (e: Error) => void): void;
}

/**
 * A sender shaped like Docker's fluentd driver with the recommended options
 * (core/docker-advice.ts): container_id and container_name in every record, EventTime, the
 * Compose labels when given, and no acks.
 */
export async function sendDockerLike(
  port: number,
  c: { name: string; project?: string; service?: string },
  lines: string[],
): Promise<void> {
  const sender = fluent.createFluentSender('docker', { host: '127.0.0.1', port, timeout: 5 });
  sender.on('error', () => undefined);
  const record: Record<string, unknown> = {
    container_id: 'd'.repeat(64),
    container_name: `/${c.name}`,
    source: 'stdout',
  };
  if (c.project) record['com.docker.compose.project'] = c.project;
  if (c.service) record['com.docker.compose.service'] = c.service;
  try {
    for (const log of lines) {
      const ms = Date.now();
      const time = new fluent.EventTime(Math.floor(ms / 1000), (ms % 1000) * 1_000_000);
      await new Promise<void>((res, rej) =>
        sender.emit(c.name, { ...record, log }, time, (e) => (e ? rej(e) : res())),
      );
    }
  } finally {
    sender.end();
  }
}

/**
 * npm fluent-logger as most people first configure it: Message mode, no acks, and no
 * timestamp given, so it sends integer seconds.
 */
export async function sendPlainFluentLogger(
  port: number,
  tag: string,
  label: string,
  lines: string[],
): Promise<void> {
  const sender = fluent.createFluentSender(tag, { host: '127.0.0.1', port, timeout: 5 });
  sender.on('error', () => undefined);
  try {
    for (const message of lines)
      await new Promise<void>((res, rej) =>
        sender.emit(label, { message }, (e) => (e ? rej(e) : res())),
      );
  } finally {
    sender.end();
  }
}
