/**
 * What the page keeps fresh beside the lines: the histogram of the view (every 10 s while
 * live) and the containers side list (every 30 s, and sooner when the tail brings lines).
 * Both are asked for with the view's query and range; neither retries what the server
 * refused (issue 18, point 3: a refused query is refused again, every time).
 */
import { ApiError, type ApiClient } from './api.js';
import { bucketCount } from './histogram-model.js';
import type { HistogramBy, HistogramView } from './histogram-view.js';
import type { SidebarView } from './sidebar-view.js';
import type { Clock } from './tail-stream.js';
import { parseTimeParam } from './time.js';

const HIST_REFRESH_MS = 10_000;
const HIST_BY_KEY = 'logharbor.histBy';
const CONTAINERS_REFRESH_MS = 30_000;

export interface HistogramAsk {
  q: string;
  from: string;
  to: string;
  live: boolean;
}

export class HistogramFeed {
  private timer = 0;
  private byValue: HistogramBy;

  constructor(
    private readonly api: ApiClient,
    private readonly clock: Clock,
    private readonly view: HistogramView,
    private readonly storage: Pick<Storage, 'getItem' | 'setItem'>,
  ) {
    this.byValue = storage.getItem(HIST_BY_KEY) === 'container' ? 'container' : 'level';
  }

  get by(): HistogramBy {
    return this.byValue;
  }

  set by(by: HistogramBy) {
    this.byValue = by;
    this.storage.setItem(HIST_BY_KEY, by);
  }

  /** No refresh pending (the view stopped). */
  stop(): void {
    this.clock.clearTimeout(this.timer);
    this.view.setRefreshing(false);
  }

  /**
   * Loads the histogram; `current()` says whether the view that asked is still shown,
   * `running()` whether it may go on (no error stopped it). A live view asks again
   * every 10 s unless the server refused the question (4xx).
   */
  async load(
    ask: HistogramAsk,
    signal: AbortSignal,
    current: () => boolean,
    running: () => boolean,
  ): Promise<void> {
    this.stop();
    let refused = false;
    const by = this.byValue;
    try {
      const buckets = bucketCount(this.view.width);
      const data = await this.api.histogram({ ...ask, buckets, by }, signal);
      if (current()) this.view.set(data, by);
    } catch (e) {
      // The error itself is shown by the list's request for the same query.
      refused = e instanceof ApiError && e.status >= 400 && e.status < 500;
      if (current()) this.view.set(null);
    }
    if (current() && ask.live && !refused && running()) {
      this.timer = this.clock.setTimeout(
        () => void this.load(ask, signal, current, running),
        HIST_REFRESH_MS,
      );
      this.view.setRefreshing(true);
    }
  }
}

export class ContainersFeed {
  /** Every container ever seen, not only those of the range. */
  all = false;
  private soonTimer = 0;
  private due = 0;

  constructor(
    private readonly api: ApiClient,
    private readonly clock: Clock,
    private readonly side: SidebarView,
    private readonly range: () => { from: string; to: string },
  ) {}

  start(): void {
    void this.refresh();
    this.clock.setTimeout(() => this.start(), CONTAINERS_REFRESH_MS);
  }

  /** One refresh within `ms` (an earlier one already due stands). */
  soon(ms: number): void {
    const due = this.clock.now() + ms;
    if (this.soonTimer !== 0 && this.due <= due) return;
    this.clock.clearTimeout(this.soonTimer);
    this.due = due;
    this.soonTimer = this.clock.setTimeout(() => {
      this.soonTimer = 0;
      void this.refresh();
    }, ms);
  }

  async refresh(): Promise<void> {
    try {
      const { from, to } = this.range();
      const list = await this.api.containers({ from, to, all: this.all });
      this.side.setContainers(list, parseTimeParam(from, this.clock.now()));
    } catch {
      // The list keeps its last content; the status line shows errors from the main view.
    }
  }
}
