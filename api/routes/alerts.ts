/**
 * Alerts (README, "Alerts"; api/alerts/README.md):
 *
 *   GET    /api/alerts                   {"alerts": [...]}: each with its state and webhooks' health
 *   POST   /api/alerts                   create (201 {"alert"})
 *   GET    /api/alerts/:id               {"alert"}
 *   PUT    /api/alerts/:id               replace (the evaluator starts a changed rule afresh)
 *   DELETE /api/alerts/:id               204; its notifications and deliveries go too
 *   POST   /api/alerts/:id/test          queue a test notification (202 {"notification_id"})
 *   GET    /api/alerts/notifications?after=&alert=&limit=   newest first, with deliveries
 *
 * Bodies are JSON: the browser guard (api/security/) already refuses any other type on
 * these methods, and a foreign Origin. A query is checked by the search's parser, its
 * error answered with its column (LH_QUERY_SYNTAX), as a search would.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Pool } from '../../core/db/pool.js';
import { Errors, LogharborError } from '../../core/errors.js';
import type { Telemetry } from '../../core/telemetry.js';
import { testPayload } from '../alerts/payload.js';
import { ALERT_LIMITS, parseAlertInput } from '../alerts/spec.js';
import {
  alertView,
  alertViews,
  createAlert,
  deleteAlert,
  insertTest,
  loadAlert,
  notifications,
  notifyChanged,
  updateAlert,
} from '../alerts/store.js';

export interface AlertsDeps {
  pool: Pool;
  /** Look for due deliveries now (this process's deliverer), after a test fire. */
  kick?: () => void;
  telemetry?: Telemetry;
}

const ID = { type: 'string', pattern: '^[0-9]{1,18}$' } as const;
const params = { type: 'object', properties: { id: ID }, required: ['id'] } as const;

const alertBody = {
  type: 'object',
  description:
    'name, query (the query language), rule ({"kind": "any"} | {"kind": "threshold", "more_than": N, "within": "5m"} | {"kind": "absence", "container": "web", "for": "10m"}), min_interval (default 1m), webhooks ([{"url", "format": "json" | "slack"}]), enabled',
  required: ['name', 'rule'],
} as const;

const MAX_NOTIFICATIONS = 500;

function notFound(id: string): LogharborError {
  return new LogharborError(Errors.NOT_FOUND, `no alert ${id}`);
}

export function alertsRoutes(app: FastifyInstance, deps: AlertsDeps): void {
  const { pool } = deps;

  app.get(
    '/api/alerts',
    { schema: { summary: 'Every alert, its state and webhooks' } },
    async () => ({
      alerts: await alertViews(pool),
    }),
  );

  app.post(
    '/api/alerts',
    { schema: { summary: 'Create an alert', body: alertBody } },
    async (req, reply) => {
      const spec = parseAlertInput(req.body);
      const id = await createAlert(pool, spec);
      if (id === null)
        throw new LogharborError(Errors.BAD_REQUEST, `at most ${ALERT_LIMITS.maxAlerts} alerts`);
      await notifyChanged(pool, id);
      return reply.status(201).send({ alert: await alertView(pool, id) });
    },
  );

  app.get<{ Querystring: { after?: string; alert?: string; limit?: number } }>(
    '/api/alerts/notifications',
    {
      schema: {
        summary: 'Notifications, newest first, with each webhook delivery',
        querystring: {
          type: 'object',
          properties: {
            after: { ...ID, description: 'only notifications with a greater id' },
            alert: { ...ID, description: 'only this alert’s' },
            limit: { type: 'integer', minimum: 1, maximum: MAX_NOTIFICATIONS, default: 50 },
          },
          additionalProperties: true,
        },
      },
    },
    async (req) => ({
      notifications: await notifications(pool, {
        after: req.query.after ?? null,
        alertId: req.query.alert ?? null,
        limit: req.query.limit ?? 50,
      }),
    }),
  );

  app.get<{ Params: { id: string } }>(
    '/api/alerts/:id',
    { schema: { summary: 'One alert', params } },
    async (req) => {
      const alert = await alertView(pool, req.params.id);
      if (!alert) throw notFound(req.params.id);
      return { alert };
    },
  );

  app.put<{ Params: { id: string } }>(
    '/api/alerts/:id',
    { schema: { summary: 'Replace an alert', params, body: alertBody } },
    async (req) => {
      const spec = parseAlertInput(req.body);
      if (!(await updateAlert(pool, req.params.id, spec))) throw notFound(req.params.id);
      await notifyChanged(pool, req.params.id);
      return { alert: await alertView(pool, req.params.id) };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/api/alerts/:id',
    { schema: { summary: 'Delete an alert with its notifications', params } },
    async (req, reply) => {
      if (!(await deleteAlert(pool, req.params.id))) throw notFound(req.params.id);
      await notifyChanged(pool, req.params.id);
      return reply.status(204).send();
    },
  );

  app.post<{ Params: { id: string } }>(
    '/api/alerts/:id/test',
    { schema: { summary: 'Send a test notification to the alert’s webhooks', params } },
    async (req, reply) => {
      const alert = await loadAlert(pool, req.params.id);
      if (!alert) throw notFound(req.params.id);
      const id = await insertTest(
        pool,
        alert.id,
        `test:${randomUUID()}`,
        testPayload(alert, Date.now()),
      );
      if (id === null) throw notFound(req.params.id);
      deps.telemetry?.alertNotifications.inc({ kind: 'test' });
      deps.kick?.();
      return reply.status(202).send({ notification_id: id, webhooks: alert.webhooks.length });
    },
  );
}
