/**
 * The alerts API for the page (README, "Alerts"): JSON over fetch with the bearer token,
 * answers checked by the guards of core/alerts/wire.ts, failures as ApiError (api.ts).
 * State-changing requests carry a JSON body, as the server's browser guard requires
 * (api/security/unsafe-methods.ts). A 401 asks for the token through the page's one
 * prompt (ApiClient.requestToken), except for the badge's background poll.
 */
import { ApiError } from './api.js';
import { parseErrorBody } from './wire.js';
import {
  parseAlertAnswer,
  parseAlertList,
  parseNotifications,
  parseTestFire,
  type AlertInput,
  type AlertView,
  type NotificationView,
} from '../../core/alerts/wire.js';

export interface AlertsClientOptions {
  fetch: typeof fetch;
  /** The token the page holds now, if any. */
  token(): string | null;
  /** Asks the user for a token (the page's shared prompt); true when one was given. */
  requestToken(reason: string): Promise<boolean>;
}

const ok = (v: unknown) => v;

export class AlertsClient {
  constructor(private readonly o: AlertsClientOptions) {}

  list(signal?: AbortSignal): Promise<AlertView[]> {
    return this.request('GET', '/api/alerts', undefined, parseAlertList, signal);
  }

  /** The newest notifications (with an id above `after`), newest first. */
  notifications(
    p: { after?: string | null; limit: number },
    o: { signal?: AbortSignal; ask?: boolean } = {},
  ): Promise<NotificationView[]> {
    const q = new URLSearchParams({ limit: String(p.limit) });
    if (p.after) q.set('after', p.after);
    return this.request(
      'GET',
      `/api/alerts/notifications?${q.toString()}`,
      undefined,
      parseNotifications,
      o.signal,
      o.ask ?? true,
    );
  }

  create(input: AlertInput): Promise<AlertView> {
    return this.request('POST', '/api/alerts', input, parseAlertAnswer);
  }

  update(id: string, input: AlertInput): Promise<AlertView> {
    return this.request('PUT', `/api/alerts/${encodeURIComponent(id)}`, input, parseAlertAnswer);
  }

  async remove(id: string): Promise<void> {
    await this.request('DELETE', `/api/alerts/${encodeURIComponent(id)}`, undefined, ok);
  }

  /** Queues a test notification; its id. */
  test(id: string): Promise<string> {
    return this.request('POST', `/api/alerts/${encodeURIComponent(id)}/test`, {}, parseTestFire);
  }

  private async request<T>(
    method: string,
    path: string,
    body: unknown,
    parse: (v: unknown) => T | null,
    signal?: AbortSignal,
    ask = true,
  ): Promise<T> {
    for (let prompts = 0; ; prompts++) {
      const token = this.o.token();
      const headers: Record<string, string> = { accept: 'application/json' };
      if (token) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      let res: Response;
      try {
        res = await this.o.fetch(path, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          signal,
        });
      } catch (e) {
        if (signal?.aborted) throw e;
        throw new ApiError(0, 'LH_NETWORK', `cannot reach the server (${String(e)})`);
      }
      const text = await res.text();
      let json: unknown = null;
      if (text !== '') {
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
      }
      if (res.ok) {
        const value = parse(json);
        if (value === null)
          throw new ApiError(res.status, 'LH_BAD_RESPONSE', `unexpected answer from ${path}`);
        return value;
      }
      if (res.status === 401 && ask && prompts < 3) {
        const reason = token ? 'The token was not accepted.' : 'This server needs an API token.';
        if (await this.o.requestToken(reason)) continue;
      }
      const err = parseErrorBody(json);
      throw new ApiError(
        res.status,
        err?.code ?? `HTTP_${res.status}`,
        err?.message ?? `${path}: HTTP ${res.status}`,
        err?.column ?? null,
      );
    }
  }
}
