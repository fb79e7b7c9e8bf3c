/**
 * The page's controller: holds the view state (mirrored in the URL), runs the search
 * or the live tail for it, and wires the views together.
 *
 *   URL ⇄ ViewState ──apply()──► live: prefetch newest, then TailStream ─► RowStore ─► ListView
 *                              └► search: /api/logs pages (load older) ─┘
 *                              └► histogram, containers, context and health panels
 */
import { ApiError, type ApiClient } from './api.js';
import { effectiveQuery, userColumn, type EffectiveQuery } from './containers.js';
import { Controls } from './controls.js';
import { byId, download } from './dom.js';
import { exportFileName, toCsv, toNdjson } from './export.js';
import { formatInt } from './format.js';
import { bucketCount } from './histogram-model.js';
import { HistogramView } from './histogram-view.js';
import { ListView } from './list-view.js';
import { Panels } from './panels.js';
import { renderRow } from './row-view.js';
import { SidebarView } from './sidebar-view.js';
import { keyAction } from './status.js';
import { StatusView } from './status-view.js';
import { RowStore, type AppendResult } from './store.js';
import { TailStream, type Clock, type SocketFactory, type TailStatus } from './tail-stream.js';
import { zoneOffset, type Zone } from './time.js';
import { decodeState, encodeState, sameState, withLive, type ViewState } from './url-state.js';
import { compareIds } from './wire.js';

export interface AppDeps {
  api: ApiClient;
  socket: SocketFactory;
  clock: Clock;
  storage: Pick<Storage, 'getItem' | 'setItem'>;
}

const ROW_HEIGHT = 20;
const PAGE = 500;
const PREFETCH = 300;
const HIST_REFRESH_MS = 10_000;
const CONTAINERS_REFRESH_MS = 30_000;
/** Lines from a container the side list lacks refresh it within this delay... */
const CONTAINERS_NEW_MS = 1_000;
/** ...and any other lines (counts, last seen) within this one. */
const CONTAINERS_BUSY_MS = 5_000;
const ZONE_KEY = 'logharbor.zone';

export class App {
  private state: ViewState = decodeState(location.search);
  private zone: Zone;
  private readonly store = new RowStore();
  private readonly list: ListView;
  private readonly controls: Controls;
  private readonly hist: HistogramView;
  private readonly side: SidebarView;
  private readonly panels: Panels;
  private readonly status: StatusView;
  private stream: TailStream | null = null;
  private tail: TailStatus | null = null;
  private eq: EffectiveQuery = { text: '', offset: 0 };
  private gen = 0;
  private abort = new AbortController();
  private cursor: string | null = null;
  private loading = false;
  private histTimer = 0;
  private containersSoon = 0;
  private containersDue = 0;
  /** The current tail was live once, and then lost its connection. */
  private wasLive = false;
  private lost = false;

  constructor(private readonly d: AppDeps) {
    this.zone = d.storage.getItem(ZONE_KEY) === 'utc' ? 'utc' : 'local';
    this.controls = new Controls({ onSearch: (c) => this.navigate(c), now: () => d.clock.now() });
    this.list = new ListView(byId('list', HTMLElement), this.store, {
      rowHeight: ROW_HEIGHT,
      renderRow: (row, expanded) =>
        renderRow(row, { zone: this.zone, expanded, contextHref: (id) => this.href({ ctx: id }) }),
      onFollow: () => this.paintStatus(),
      onNearEnd: () => void this.loadOlder(),
    });
    this.status = new StatusView(this.list.footer);
    this.hist = new HistogramView(byId('hist', HTMLElement), {
      onZoom: (r) =>
        this.navigate({
          from: new Date(r.start).toISOString(),
          to: new Date(r.end).toISOString(),
          live: false,
        }),
      offset: (ms) => zoneOffset(this.zone, ms),
    });
    this.side = new SidebarView(byId('side', HTMLElement), {
      onSelect: (containers) => this.navigate({ containers }),
      now: () => d.clock.now(),
    });
    this.panels = new Panels(byId('overlays', HTMLElement), d.api, {
      zone: () => this.zone,
      href: (p) => this.href(p),
      onClose: () => this.navigate({ ctx: null }, false),
      openContext: (id) => this.navigate({ ctx: id }),
      onError: (e) => this.fail(e),
    });
    this.wire();
  }

  start(): void {
    window.addEventListener('popstate', () => this.apply(decodeState(location.search)));
    void this.refreshContainers();
    this.scheduleContainers();
    this.apply(this.state, true);
  }

  private scheduleContainers(): void {
    this.d.clock.setTimeout(() => {
      void this.refreshContainers();
      this.scheduleContainers();
    }, CONTAINERS_REFRESH_MS);
  }

  /** A URL for the current view with some values changed. */
  private href(change: Partial<ViewState>): string {
    return location.pathname + encodeState({ ...this.state, ...change });
  }

  /** Changes the view; pushes a history entry unless `push` is false. */
  private navigate(change: Partial<ViewState>, push = true): void {
    let next: ViewState = { ...this.state, ...change };
    if (change.live === true) next = withLive(next, true);
    if (sameState(next, this.state) && !('q' in change)) return;
    const url = location.pathname + encodeState(next);
    if (push) history.pushState(null, '', url);
    else history.replaceState(null, '', url);
    this.apply(next, !onlyCtx(this.state, next));
  }

  /** Shows `s`; with `reload`, runs its search or tail from scratch. */
  private apply(s: ViewState, reload = true): void {
    const prev = this.state;
    this.state = s;
    this.controls.show(s, this.zone);
    this.side.setSelected(s.containers);
    if (s.ctx !== null && s.ctx !== prev.ctx) void this.panels.context(s.ctx);
    if (s.ctx === null) this.panels.closeContext();
    if (!reload) return;
    this.gen++;
    this.abort.abort();
    this.abort = new AbortController();
    this.stream?.stop();
    this.stream = null;
    this.tail = null;
    this.cursor = null;
    this.loading = false;
    this.wasLive = false;
    this.lost = false;
    this.controls.clearError();
    this.store.clear();
    this.list.reset(s.live ? 'tail' : 'search');
    this.eq = effectiveQuery(s.q, s.containers);
    document.title = s.q ? `${s.q} · logharbor` : 'logharbor';
    this.paintStatus();
    void this.loadHistogram(this.gen);
    if (s.live) void this.startLive(this.gen);
    else void this.loadOlder();
  }

  private async startLive(gen: number): Promise<void> {
    let newest: string | null = null;
    try {
      const page = await this.d.api.logs(
        { q: this.eq.text, from: this.state.from, to: '', limit: PREFETCH },
        this.abort.signal,
      );
      if (gen !== this.gen) return;
      const recs = page.records.slice().reverse();
      for (const r of recs) if (newest === null || compareIds(r.id, newest) > 0) newest = r.id;
      this.append(this.store.append(recs));
    } catch (e) {
      if (gen !== this.gen) return;
      this.fail(e);
      if (e instanceof ApiError && e.status >= 400 && e.status < 500) {
        // The tail would refuse the same query: say so rather than "connecting".
        this.tailStatus({ state: 'stopped', fatal: true });
        return;
      }
    }
    const stream = new TailStream({
      url: (after) => this.d.api.tailUrl(location, this.eq.text, after),
      socket: this.d.socket,
      clock: this.d.clock,
      onRecords: (r) => {
        this.append(this.store.append(r));
        const unknown = r.some((x) => x.container_name && !this.side.knows(x.container_name));
        this.refreshContainersSoon(unknown ? CONTAINERS_NEW_MS : CONTAINERS_BUSY_MS);
      },
      onDropped: (n) =>
        this.append(
          this.store.appendNotice(
            `⚠ ${formatInt(n)} lines were dropped: this view fell behind the live stream`,
          ),
        ),
      onStatus: (st) => this.tailStatus(st),
      onError: (err, fatal) => {
        if (!fatal) {
          // Passing trouble (the server restarting, a slow database): the stream reconnects.
          this.append(this.store.appendNotice(`Server: ${err.code}: ${err.message}`));
          return;
        }
        this.fail(new ApiError(0, err.code, err.message, err.column));
        if (err.code === 'LH_UNAUTHORIZED') {
          void this.d.api
            .requestToken('The live tail needs an API token.')
            .then((ok) => ok && this.apply(this.state));
        }
      },
    });
    this.stream = stream;
    stream.start(newest);
  }

  private tailStatus(st: TailStatus): void {
    if (st.state === 'live') {
      if (this.lost) {
        const after = this.stream?.lastId ?? 'the start';
        this.append(
          this.store.appendNotice(`Reconnected: resumed after line ${after}, nothing missed`),
        );
      }
      this.wasLive = true;
      this.lost = false;
    }
    if (st.state === 'waiting') {
      this.lost = this.wasLive;
      // A websocket refused at the upgrade says nothing; an API call shows whether a token is needed.
      if (st.attempt >= 2) void this.refreshContainers();
    }
    this.tail = st;
    this.paintStatus();
  }

  private append(res: AppendResult): void {
    this.list.appended(res);
    this.paintStatus();
  }

  private async loadOlder(): Promise<void> {
    if (this.state.live || this.loading || this.store.full) return;
    if (this.store.length > 0 && this.cursor === null) return;
    const gen = this.gen;
    this.loading = true;
    this.paintStatus();
    try {
      const s = this.state;
      const page = await this.d.api.logs(
        { q: this.eq.text, from: s.from, to: s.to, limit: PAGE, cursor: this.cursor },
        this.abort.signal,
      );
      if (gen !== this.gen) return;
      this.cursor = page.nextCursor;
      this.append(this.store.append(page.records));
    } catch (e) {
      if (gen === this.gen) this.fail(e);
    } finally {
      if (gen === this.gen) {
        this.loading = false;
        this.paintStatus();
      }
    }
  }

  private async loadHistogram(gen: number): Promise<void> {
    this.d.clock.clearTimeout(this.histTimer);
    try {
      const s = this.state;
      const data = await this.d.api.histogram(
        { q: this.eq.text, from: s.from, to: s.to, buckets: bucketCount(this.hist.width) },
        this.abort.signal,
      );
      if (gen === this.gen) this.hist.set(data);
    } catch {
      // The error itself is shown by the list's request for the same query.
      if (gen === this.gen) this.hist.set(null);
    }
    if (gen === this.gen && this.state.live) {
      this.histTimer = this.d.clock.setTimeout(() => void this.loadHistogram(gen), HIST_REFRESH_MS);
    }
  }

  /** One refresh of the side list within `ms` (an earlier one already due stands). */
  private refreshContainersSoon(ms: number): void {
    const due = this.d.clock.now() + ms;
    if (this.containersSoon !== 0 && this.containersDue <= due) return;
    this.d.clock.clearTimeout(this.containersSoon);
    this.containersDue = due;
    this.containersSoon = this.d.clock.setTimeout(() => {
      this.containersSoon = 0;
      void this.refreshContainers();
    }, ms);
  }

  private async refreshContainers(): Promise<void> {
    try {
      this.side.setContainers(await this.d.api.containers());
    } catch {
      // The list keeps its last content; the status line shows errors from the main view.
    }
  }

  private fail(e: unknown): void {
    if (e instanceof DOMException && e.name === 'AbortError') return;
    if (e instanceof ApiError) {
      const col = e.column === null ? null : userColumn(e.column, this.eq, this.state.q.length);
      this.controls.showError(`${e.code}: ${e.message}`, this.state.q, col);
    } else this.controls.showError(String(e), '', null);
  }

  private togglePause(): void {
    const s = this.stream;
    if (!s) return;
    if (s.isPaused) s.resume();
    else s.pause();
  }

  private paintStatus(): void {
    const input = {
      live: this.state.live,
      tail: this.tail,
      loading: this.loading,
      more: this.cursor !== null,
      rows: this.store.length,
      cap: this.store.cap,
      following: this.list.isFollowing,
      unseen: this.list.unseenLines,
    };
    this.status.paint(input, this.zone);
  }

  private wire(): void {
    byId('live-btn', HTMLButtonElement).addEventListener('click', () =>
      this.navigate({ live: !this.state.live }),
    );
    byId('pause-btn', HTMLButtonElement).addEventListener('click', () => this.togglePause());
    byId('new-lines', HTMLButtonElement).addEventListener('click', () => {
      if (this.stream?.isPaused) this.stream.resume();
      this.list.jumpToEnd();
    });
    byId('zone-btn', HTMLButtonElement).addEventListener('click', () => {
      this.zone = this.zone === 'utc' ? 'local' : 'utc';
      this.d.storage.setItem(ZONE_KEY, this.zone);
      this.list.invalidate();
      this.hist.render();
      this.controls.show(this.state, this.zone);
      this.paintStatus();
    });
    byId('dl-ndjson', HTMLButtonElement).addEventListener('click', () =>
      download(
        exportFileName('ndjson', this.d.clock.now()),
        toNdjson(this.store.records()),
        'application/x-ndjson',
      ),
    );
    byId('dl-csv', HTMLButtonElement).addEventListener('click', () =>
      download(exportFileName('csv', this.d.clock.now()), toCsv(this.store.records()), 'text/csv'),
    );
    byId('health-btn', HTMLButtonElement).addEventListener('click', () => this.panels.health());
    byId('doctor-btn', HTMLButtonElement).addEventListener('click', () => this.panels.doctor());
    byId('list', HTMLElement).addEventListener('click', (e) => this.listClick(e));
    // <details> in an expanded row changes its height; `toggle` does not bubble.
    byId('list', HTMLElement).addEventListener('toggle', () => this.list.refresh(), true);
    document.addEventListener('keydown', (e) => this.key(e));
  }

  private listClick(e: MouseEvent): void {
    const t = e.target;
    if (!(t instanceof Element)) return;
    if (t.closest('[data-action="older"]')) {
      void this.loadOlder();
      return;
    }
    const rowEl = t.closest<HTMLElement>('.row');
    const seq = Number(rowEl?.dataset.seq);
    const row = Number.isInteger(seq) ? this.store.at(seq - this.store.firstSeq) : undefined;
    if (!rowEl || !row || row.kind !== 'record') return;
    const action = t.closest<HTMLElement>('[data-action]')?.dataset.action;
    if (action === 'context') {
      if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
      e.preventDefault();
      this.navigate({ ctx: row.record.id });
    } else if (action === 'container') {
      if (row.record.container_name) this.navigate({ containers: [row.record.container_name] });
    } else if (action === 'raw') {
      rowEl.querySelector('.raw')?.classList.toggle('hidden');
      rowEl.querySelector('.json')?.classList.toggle('hidden');
      this.list.refresh();
    } else if (
      action === 'toggle' ||
      (t.closest('.line') && window.getSelection()?.isCollapsed !== false)
    ) {
      this.list.toggle(row.seq);
    }
  }

  private key(e: KeyboardEvent): void {
    const t = e.target;
    const field =
      t instanceof HTMLInputElement ||
      t instanceof HTMLTextAreaElement ||
      t instanceof HTMLSelectElement ||
      (t instanceof HTMLElement && t.isContentEditable);
    const target = field ? 'field' : t instanceof HTMLButtonElement ? 'button' : 'other';
    const action = keyAction(e.key, target, e.ctrlKey || e.metaKey || e.altKey, this.state.live);
    if (action === 'blur' && t instanceof HTMLElement) t.blur();
    if (action !== 'focus-query' && action !== 'toggle-pause') return;
    e.preventDefault();
    if (action === 'focus-query') this.controls.focusQuery();
    else this.togglePause();
  }
}

function onlyCtx(a: ViewState, b: ViewState): boolean {
  return sameState({ ...a, ctx: null }, { ...b, ctx: null });
}
