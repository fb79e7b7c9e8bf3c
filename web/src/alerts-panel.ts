/**
 * Alerts on the page (issue 19): the header's Alerts button with a badge counting the
 * notifications not seen yet (alerts-feed.ts), and a panel to manage alerts and read the
 * notifications (alerts-view.ts): create one for the query in view, test, switch off or
 * on, delete; each notification with what it said and how each webhook answered.
 *
 *   #alerts-btn ──click──► panel: alerts (GET /api/alerts), form (POST), notifications
 *   AlertsFeed ──every 3 s──► badge (#alerts-badge), cleared when the panel opens
 */
import { ApiError } from './api.js';
import type { AlertsClient } from './alerts-api.js';
import { AlertsFeed } from './alerts-feed.js';
import { alertForm, alertView, inputOf, notificationView, type AlertForm } from './alerts-view.js';
import { byId, h } from './dom.js';
import { Overlay } from './overlay.js';
import type { Clock } from './tail-stream.js';
import { decodeState } from './url-state.js';
import type { AlertView } from '../../core/alerts/wire.js';

const REFRESH_MS = 5000;
const NOTIFICATIONS_SHOWN = 50;

export interface AlertsUiDeps {
  client: AlertsClient;
  clock: Clock;
  storage: Pick<Storage, 'getItem' | 'setItem'>;
}

export class AlertsUi {
  private readonly overlay = new Overlay(byId('overlays', HTMLElement));
  private readonly button = byId('alerts-btn', HTMLButtonElement);
  private readonly badge = byId('alerts-badge', HTMLElement);
  private readonly feed: AlertsFeed;
  private readonly list = h('div', { class: 'al-list' });
  private readonly notes = h('div', { class: 'al-notes' });
  private form: AlertForm | null = null;
  private alerts: AlertView[] = [];
  private timer: number | null = null;
  /** An alert whose Delete was clicked once: the next click deletes it. */
  private confirming: string | null = null;

  constructor(private readonly d: AlertsUiDeps) {
    this.feed = new AlertsFeed(d.client, d.clock, d.storage, (n, firing) =>
      this.paintBadge(n, firing),
    );
    this.button.addEventListener('click', () => this.open());
    this.list.addEventListener('click', (e) => void this.act(e));
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.overlay.isOpen) this.overlay.close();
    });
  }

  start(): void {
    this.feed.start();
  }

  private paintBadge(count: number, firing: boolean): void {
    this.badge.textContent = count >= 100 ? '99+' : String(count);
    this.badge.classList.toggle('hidden', count === 0);
    this.badge.classList.toggle('firing', firing);
    this.button.title =
      count === 0 ? 'Alerts' : `Alerts: ${count} new notification${count === 1 ? '' : 's'}`;
  }

  private open(): void {
    this.overlay.open('Alerts', () => {
      if (this.timer !== null) this.d.clock.clearTimeout(this.timer);
      this.timer = null;
    });
    this.form = alertForm(decodeState(location.search).q);
    this.form.el.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.create();
    });
    this.overlay.body.append(
      this.list,
      this.form.el,
      h('h3', { text: 'Notifications' }),
      this.notes,
    );
    this.feed.markSeen();
    void this.load();
  }

  /** Reads the alerts and the latest notifications, and again every few seconds while open. */
  private async load(): Promise<void> {
    if (this.timer !== null) this.d.clock.clearTimeout(this.timer);
    try {
      const [alerts, notes] = await Promise.all([
        this.d.client.list(),
        this.d.client.notifications({ limit: NOTIFICATIONS_SHOWN }),
      ]);
      if (!this.overlay.isOpen) return;
      this.alerts = alerts;
      this.list.replaceChildren(
        ...(alerts.length === 0
          ? [h('p', { class: 'muted', text: 'No alerts yet: make one below.' })]
          : alerts.map(alertView)),
      );
      this.notes.replaceChildren(
        ...(notes.length === 0
          ? [h('p', { class: 'muted', text: 'No notification yet.' })]
          : notes.map(notificationView)),
      );
      this.feed.markSeen(notes[0]?.id);
    } catch (e) {
      if (this.overlay.isOpen) this.list.replaceChildren(h('p', { class: 'bad', text: String(e) }));
    }
    if (this.overlay.isOpen)
      this.timer = this.d.clock.setTimeout(() => void this.load(), REFRESH_MS);
  }

  private async create(): Promise<void> {
    const form = this.form;
    if (!form) return;
    const input = form.read();
    if (typeof input === 'string') return form.error(input);
    try {
      await this.d.client.create(input);
      form.reset(input.query ?? '');
      await this.load();
    } catch (e) {
      if (e instanceof ApiError) form.error(`${e.code}: ${e.message}`, e.column);
      else form.error(String(e));
    }
  }

  private async act(e: MouseEvent): Promise<void> {
    const t = e.target;
    if (!(t instanceof HTMLButtonElement)) return;
    const id = t.closest<HTMLElement>('.al-item')?.dataset.id;
    const alert = this.alerts.find((a) => a.id === id);
    if (!alert) return;
    const action = t.dataset.action;
    try {
      if (action === 'test') {
        await this.d.client.test(alert.id);
        t.textContent = 'Sent';
        this.feed.refresh();
      } else if (action === 'toggle') {
        await this.d.client.update(alert.id, inputOf(alert, { enabled: !alert.enabled }));
      } else if (action === 'delete') {
        if (this.confirming !== alert.id) {
          this.confirming = alert.id;
          t.textContent = 'Delete: sure?';
          return;
        }
        this.confirming = null;
        await this.d.client.remove(alert.id);
      }
      await this.load();
    } catch (err) {
      t.after(h('span', { class: 'bad', text: ` ${String(err)}` }));
    }
  }
}
