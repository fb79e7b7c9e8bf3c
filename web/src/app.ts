/**
 * The page's controller: holds the view state (mirrored in the URL), runs the search
 * or the live tail for it, and wires the views together.
 *
 *   URL ⇄ ViewState ──apply()──► live: prefetch newest, then TailStream ─► RowStore ─► ListView
 *                              └► search: /api/logs pages (load older) ─┘
 *                              └► histogram, containers, context and health panels
 *
 * Issue 18: a view stopped by its query or token says so and stops asking (the
 * histogram's refresh included) until the query changes; an empty result offers a wider
 * range; the query's matches are marked; a click on a value adds it to the query.
 *
 * Issue 16: a banner while the store lags (lag-feed.ts); while PostgreSQL is unreachable
 * a failed search says that rather than "internal error", and runs again once it is back.
 */
import { ApiError, type ApiClient } from './api.js';
import { BannerView } from './banner-view.js';
import { Drawer, WRAPPED_ROW_ESTIMATE, onWrapChange, setupCopyLink } from './chrome.js';
import { effectiveQuery, userColumn, type EffectiveQuery } from './containers.js';
import { Controls } from './controls.js';
import { byId, download } from './dom.js';
import { exportFileName, toCsv, toNdjson } from './export.js';
import { formatInt } from './format.js';
import { highlighter, type Highlighter } from './highlight.js';
import { ContainersFeed, HistogramFeed } from './feeds.js';
import { HistogramView } from './histogram-view.js';
import { LagFeed, NO_LAG, type StoreLag } from './lag-feed.js';
import { ListView } from './list-view.js';
import { Panels } from './panels.js';
import { withTerm } from './query-edit.js';
import { widerRange } from './ranges.js';
import { renderRow } from './row-view.js';
import { SavedMenu } from './saved-menu.js';
import { SearchHistory } from './saved.js';
import { SidebarView } from './sidebar-view.js';
import { errorKind, keyAction, storeDownError, type ErrorKind } from './status.js';
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
  private readonly histFeed: HistogramFeed;
  private readonly sideFeed: ContainersFeed;
  /** The current tail was live once, and then lost its connection. */
  private wasLive = false;
  private lost = false;
  /** What stopped the current view (its query, the token...); null while it runs. */
  private error: ErrorKind | null = null;
  private hl: Highlighter | null = null;
  private readonly history: SearchHistory;
  private readonly drawer = new Drawer();
  private readonly banner: BannerView;
  private readonly lagFeed: LagFeed;
  private lag: StoreLag = NO_LAG;
  /** This view's server error (5xx, unreachable): retold, then retried, as PostgreSQL goes and comes. */
  private serverError: ApiError | null = null;

  constructor(private readonly d: AppDeps) {
    this.zone = d.storage.getItem(ZONE_KEY) === 'utc' ? 'utc' : 'local';
    this.history = new SearchHistory(d.storage);
    this.controls = new Controls({ onSearch: (c) => this.navigate(c), now: () => d.clock.now() });
    this.list = new ListView(byId('list', HTMLElement), this.store, {
      rowHeight: ROW_HEIGHT,
      renderRow: (row, expanded) =>
        renderRow(row, {
          zone: this.zone,
          expanded,
          contextHref: (id) => this.href({ ctx: id }),
          highlight: this.hl,
        }),
      onFollow: () => this.paintStatus(),
      onNearEnd: () => void this.loadOlder(),
    });
    this.status = new StatusView(this.list.header, this.list.footer);
    this.hist = new HistogramView(byId('hist', HTMLElement), {
      onZoom: (r) =>
        this.navigate({
          from: new Date(r.start).toISOString(),
          to: new Date(r.end).toISOString(),
          live: false,
        }),
      offset: (ms) => zoneOffset(this.zone, ms),
      onBy: (by) => {
        this.histFeed.by = by;
        this.loadHistogram();
      },
    });
    this.histFeed = new HistogramFeed(d.api, d.clock, this.hist, d.storage);
    this.side = new SidebarView(byId('side', HTMLElement), {
      onSelect: (containers) => {
        this.drawer.toggle(false);
        this.navigate({ containers });
      },
      onAll: (all) => {
        this.sideFeed.all = all;
        void this.sideFeed.refresh();
      },
      now: () => d.clock.now(),
    });
    this.sideFeed = new ContainersFeed(d.api, d.clock, this.side, () => this.state);
    new SavedMenu({
      history: this.history,
      current: () => encodeState({ ...this.state, ctx: null }),
      open: (search) => this.navigate({ ...decodeState(search), ctx: null }),
      query: (q) => this.navigate({ q }),
    });
    setupCopyLink();
    onWrapChange((wrapped) => this.list.setWrapped(wrapped, WRAPPED_ROW_ESTIMATE));
    this.panels = new Panels(byId('overlays', HTMLElement), d.api, {
      zone: () => this.zone,
      href: (p) => this.href(p),
      onClose: () => this.navigate({ ctx: null }, false),
      openContext: (id) => this.navigate({ ctx: id }),
      onError: (e) => this.fail(e),
      onSources: (data) => this.lagFeed.seen(data),
    });
    this.banner = new BannerView(() => this.panels.health());
    this.lagFeed = new LagFeed(d.api, d.clock, (lag) => this.onLag(lag));
    this.wire();
  }

  start(): void {
    window.addEventListener('popstate', () => this.apply(decodeState(location.search)));
    this.sideFeed.start();
    this.lagFeed.start();
    this.apply(this.state, true);
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
    if ('q' in change && next.q.trim() !== '') this.history.noteQuery(next.q);
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
    this.paintOrder();
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
    this.error = null;
    this.serverError = null;
    this.controls.clearError();
    this.store.clear();
    // The tail appends newer lines, a search older ones: one is drawn upside down.
    this.list.reset(s.live ? 'tail' : 'search', s.live === (s.order === 'desc'));
    this.eq = effectiveQuery(s.q, s.containers);
    this.hl = highlighter(s.q);
    if (prev.from !== s.from || prev.to !== s.to) void this.sideFeed.refresh();
    document.title = s.q ? `${s.q} · logharbor` : 'logharbor';
    this.paintStatus();
    this.loadHistogram();
    if (s.live) void this.startLive(this.gen);
    else void this.loadOlder();
  }

  private async startLive(gen: number): Promise<void> {
    let newest: string | null = null;
    this.loading = true;
    try {
      const page = await this.d.api.logs(
        { q: this.eq.text, from: this.state.from, to: '', limit: PREFETCH },
        this.abort.signal,
      );
      if (gen !== this.gen) return;
      this.loading = false;
      const recs = page.records.slice().reverse();
      for (const r of recs) if (newest === null || compareIds(r.id, newest) > 0) newest = r.id;
      this.append(this.store.append(recs));
    } catch (e) {
      if (gen !== this.gen) return;
      this.loading = false;
      if (e instanceof ApiError && e.status >= 400 && e.status < 500) {
        // The tail would refuse the same query: say so rather than "connecting".
        this.stop(e);
        this.tailStatus({ state: 'stopped', fatal: true });
        return;
      }
      this.fail(e);
    }
    const stream = new TailStream({
      url: (after) => this.d.api.tailUrl(location, this.eq.text, after),
      socket: this.d.socket,
      clock: this.d.clock,
      onRecords: (r) => {
        this.append(this.store.append(r));
        const unknown = r.some((x) => x.container_name && !this.side.knows(x.container_name));
        this.sideFeed.soon(unknown ? CONTAINERS_NEW_MS : CONTAINERS_BUSY_MS);
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
        this.stop(new ApiError(0, err.code, err.message, err.column));
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
      if (st.attempt >= 2) void this.sideFeed.refresh();
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
      // Nothing asks again by itself: the view stays stopped until it changes.
      if (gen === this.gen) this.stop(e);
    } finally {
      if (gen === this.gen) {
        this.loading = false;
        this.paintStatus();
      }
    }
  }

  private loadHistogram(): void {
    const gen = this.gen;
    const { q, from, to, live } = { ...this.state, q: this.eq.text };
    void this.histFeed.load(
      { q, from, to, live },
      this.abort.signal,
      () => gen === this.gen,
      () => this.error === null,
    );
  }

  /** The view cannot go on (its query, the token, a failed search): say why, stop asking. */
  private stop(e: unknown): void {
    if (e instanceof DOMException && e.name === 'AbortError') return;
    this.error = e instanceof ApiError ? errorKind(e.code, e.status) : 'other';
    this.histFeed.stop();
    this.fail(e);
    this.paintStatus();
  }

  private fail(e: unknown): void {
    if (e instanceof DOMException && e.name === 'AbortError') return;
    if (e instanceof ApiError) {
      const kind = errorKind(e.code, e.status);
      if (kind === 'server') this.serverError = e;
      const col = e.column === null ? null : userColumn(e.column, this.eq, this.state.q.length);
      const text = storeDownError(kind, this.lag.postgresDown) ?? `${e.code}: ${e.message}`;
      this.controls.showError(text, this.state.q, col);
    } else this.controls.showError(String(e), '', null);
  }

  /** The store's lag changed: the banner, and a server error told in the banner's words. */
  private onLag(lag: StoreLag): void {
    const was = this.lag.postgresDown;
    this.lag = lag;
    this.banner.paint(lag);
    const err = this.serverError;
    if (err !== null && lag.postgresDown !== was) {
      if (!lag.postgresDown) {
        // PostgreSQL is back: read again what failed without it.
        this.apply(this.state);
        return;
      }
      this.fail(err);
    }
    this.paintStatus();
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
      newestAt: this.list.newestAt,
      error: this.error,
      filtered: this.eq.text.trim() !== '',
      wider: widerRange(this.state.from, this.state.to, this.d.clock.now())?.label ?? null,
      storeDown: this.lag.postgresDown,
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
    byId('order-btn', HTMLButtonElement).addEventListener('click', () =>
      this.navigate({ order: this.state.order === 'desc' ? 'asc' : 'desc' }),
    );
    byId('health-btn', HTMLButtonElement).addEventListener('click', () => this.panels.health());
    byId('doctor-btn', HTMLButtonElement).addEventListener('click', () => this.panels.doctor());
    byId('list', HTMLElement).addEventListener('click', (e) => this.listClick(e));
    // <details> in an expanded row changes its height; `toggle` does not bubble.
    byId('list', HTMLElement).addEventListener('toggle', () => this.list.refresh(), true);
    document.addEventListener('keydown', (e) => this.key(e));
    // Click to filter: any value on the page that carries its term (rows, details, the
    // histogram's legend, the lines around a hit).
    document.addEventListener('click', (e) => this.termClick(e));
  }

  private termClick(e: MouseEvent): void {
    const t = e.target instanceof Element ? e.target.closest<HTMLElement>('[data-term]') : null;
    const term = t?.dataset.term;
    if (!term || e.ctrlKey || e.metaKey || e.altKey || e.button !== 0) return;
    // A drag that selected text is not a click on the value.
    if (window.getSelection()?.isCollapsed === false && !e.shiftKey) return;
    e.preventDefault();
    e.stopPropagation();
    window.getSelection()?.removeAllRanges();
    this.navigate({ q: withTerm(this.state.q, term, e.shiftKey), ctx: null });
  }

  private paintOrder(): void {
    const btn = byId('order-btn', HTMLButtonElement);
    const top = this.state.order === 'desc';
    btn.textContent = top ? 'Newest ↑' : 'Newest ↓';
    btn.title = top
      ? 'Newest lines at the top (click: at the bottom)'
      : 'Newest lines at the bottom (click: at the top)';
    btn.setAttribute('aria-pressed', String(top));
  }

  private listClick(e: MouseEvent): void {
    const t = e.target;
    if (!(t instanceof Element) || t.closest('[data-term]')) return;
    if (t.closest('[data-action="older"]')) {
      void this.loadOlder();
      return;
    }
    if (t.closest('[data-action="wider"]')) {
      const w = widerRange(this.state.from, this.state.to, this.d.clock.now());
      if (w) this.navigate({ from: w.from, to: w.to, live: this.state.live && w.to === '' });
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
