/**
 * The panels over the list: the lines around one record (GET /api/logs/:id/context,
 * opened from a row's link and kept in the URL as `ctx=`), ingestion health
 * (GET /api/sources, refreshed every few seconds while open: the listeners, then the
 * store behind them), and the driver doctor (GET /api/doctor, web/src/doctor.ts).
 */
import type { ApiClient } from './api.js';
import { h } from './dom.js';
import { doctorView, type Copier } from './doctor.js';
import { healthTable, storeTable } from './health-view.js';
import { Overlay } from './overlay.js';
import { renderRow } from './row-view.js';
import type { Zone } from './time.js';
import type { ViewState } from './url-state.js';
import type { SourcesData } from './wire.js';

export const CONTEXT_LINES = 50;
const HEALTH_REFRESH_MS = 5_000;

export interface PanelsOptions {
  zone(): Zone;
  href(change: Partial<ViewState>): string;
  /** The context panel was closed by the user. */
  onClose(): void;
  /** A context link inside a panel was followed. */
  openContext(id: string): void;
  onError(e: unknown): void;
  /** The health panel's answer, for the store banner (it need not ask again). */
  onSources(data: SourcesData): void;
}

export class Panels {
  private readonly overlay: Overlay;
  private contextId: string | null = null;
  private healthTimer = 0;
  private abort: AbortController | null = null;

  constructor(
    host: HTMLElement,
    private readonly api: ApiClient,
    private readonly o: PanelsOptions,
  ) {
    this.overlay = new Overlay(host);
    this.overlay.body.addEventListener('click', (e) => {
      const t = e.target;
      if (!(t instanceof Element) || e.ctrlKey || e.metaKey || e.shiftKey) return;
      const id = t.closest('[data-action="context"]')
        ? t.closest<HTMLElement>('.row')?.dataset.id
        : undefined;
      if (id === undefined) return;
      e.preventDefault();
      o.openContext(id);
    });
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.overlay.isOpen) this.overlay.close();
    });
  }

  async context(id: string): Promise<void> {
    if (this.contextId === id && this.overlay.isOpen) return;
    this.begin();
    this.contextId = id;
    this.overlay.open('Lines around the selected one', () => {
      this.contextId = null;
      this.o.onClose();
    });
    const signal = this.abort?.signal;
    this.overlay.body.append(h('p', { class: 'muted', text: 'Loading…' }));
    try {
      const records = await this.api.context(id, CONTEXT_LINES, CONTEXT_LINES, signal);
      if (this.contextId !== id) return;
      const zone = this.o.zone();
      const list = h('div', { class: 'ctx-list' });
      let focus: HTMLElement | null = null;
      records.forEach((record, seq) => {
        const el = renderRow(
          { kind: 'record', seq, record },
          {
            zone,
            expanded: false,
            focus: record.id === id,
            contextHref: (x) => this.o.href({ ctx: x }),
          },
        );
        if (record.id === id) focus = el;
        list.append(el);
      });
      this.overlay.body.replaceChildren(list);
      if (records.length === 0)
        this.overlay.body.append(
          h('p', { class: 'muted', text: 'That line is not stored any more.' }),
        );
      (focus as HTMLElement | null)?.scrollIntoView({ block: 'center' });
    } catch (e) {
      if (this.contextId === id)
        this.overlay.body.replaceChildren(h('p', { class: 'bad', text: String(e) }));
      this.o.onError(e);
    }
  }

  /** The URL no longer names a record: hide its panel. */
  closeContext(): void {
    if (this.contextId === null) return;
    this.contextId = null;
    this.overlay.hide();
  }

  health(): void {
    if (this.contextId !== null) {
      // The context panel gives way: drop its `ctx=` from the URL too.
      this.contextId = null;
      this.o.onClose();
    }
    this.begin();
    this.overlay.open('Ingestion health', () => {
      clearTimeout(this.healthTimer);
    });
    const signal = this.abort?.signal;
    const load = async (): Promise<void> => {
      try {
        const data = await this.api.sources(signal);
        if (signal?.aborted) return;
        this.o.onSources(data);
        this.overlay.body.replaceChildren(
          h('h3', { text: 'Listeners' }),
          healthTable(data.listeners),
          h('h3', { text: 'Store' }),
          storeTable(data.collectors, this.o.zone()),
          h('p', {
            class: 'muted',
            text: `Updated ${new Date().toLocaleTimeString()} · refreshes every 5 s`,
          }),
        );
      } catch (e) {
        if (!signal?.aborted)
          this.overlay.body.replaceChildren(h('p', { class: 'bad', text: String(e) }));
      }
      if (!signal?.aborted)
        this.healthTimer = window.setTimeout(() => void load(), HEALTH_REFRESH_MS);
    };
    void load();
  }

  /** The driver doctor (GET /api/doctor), loaded on opening and on "Check again". */
  doctor(): void {
    if (this.contextId !== null) {
      this.contextId = null;
      this.o.onClose();
    }
    this.begin();
    this.overlay.open('Driver doctor: what to improve in your logging setup', () => undefined);
    const signal = this.abort?.signal;
    const clip = navigator.clipboard as Clipboard | undefined;
    const copy: Copier | null = clip ? (text) => clip.writeText(text) : null;
    const load = async (): Promise<void> => {
      this.overlay.body.replaceChildren(h('p', { class: 'muted', text: 'Loading…' }));
      try {
        const report = await this.api.doctor(signal);
        if (signal?.aborted) return;
        const again = h('button', { text: 'Check again', attrs: { type: 'button' } });
        again.addEventListener('click', () => void load());
        this.overlay.body.replaceChildren(doctorView(report, copy), again);
      } catch (e) {
        if (!signal?.aborted)
          this.overlay.body.replaceChildren(h('p', { class: 'bad', text: String(e) }));
      }
    };
    void load();
  }

  /** Ends the work of whatever panel is open before another takes its place. */
  private begin(): void {
    this.abort?.abort();
    this.abort = new AbortController();
    clearTimeout(this.healthTimer);
  }
}
