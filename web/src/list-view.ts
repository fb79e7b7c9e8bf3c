/**
 * The virtual list: only the rows in view (plus a margin) exist as elements, between
 * two spacers that stand for the rest, so 100,000 rows cost a few dozen elements
 * (issue 5, point 9). In tail mode it follows the bottom while the user is there;
 * scrolling up stops following and counts the lines that arrive below.
 *
 *   scroller ┬ top spacer     offsetOf(first)
 *            ├ rows           first..last, rendered
 *            ├ bottom spacer  total - offsetOf(last + 1)
 *            └ footer         "load older" in search mode
 */
import { RowLayout } from './layout.js';
import type { AppendResult, Row, RowStore } from './store.js';

export type ListMode = 'tail' | 'search';

export interface ListViewOptions {
  rowHeight: number;
  renderRow(row: Row, expanded: boolean): HTMLElement;
  /** Tail mode: following the bottom or not, and lines arrived below the view since. */
  onFollow(following: boolean, unseen: number): void;
  /** Search mode: the view came near the last row. */
  onNearEnd(): void;
  overscan?: number;
}

/** How close to the bottom (px) still counts as "at the bottom". */
const BOTTOM_SLACK = 4;

export class ListView {
  readonly layout: RowLayout;
  readonly footer: HTMLElement;
  private readonly top: HTMLElement;
  private readonly rows: HTMLElement;
  private readonly bottom: HTMLElement;
  private mode: ListMode = 'tail';
  private following = true;
  private unseen = 0;
  private rendered = new Map<number, HTMLElement>();
  private order: HTMLElement[] = [];
  private frame = 0;
  private measurePasses = 0;

  constructor(
    private readonly scroller: HTMLElement,
    private readonly store: RowStore,
    private readonly o: ListViewOptions,
  ) {
    this.layout = new RowLayout(o.rowHeight);
    this.top = document.createElement('div');
    this.rows = document.createElement('div');
    this.bottom = document.createElement('div');
    this.footer = document.createElement('div');
    this.rows.className = 'rows';
    this.footer.className = 'list-footer';
    scroller.replaceChildren(this.top, this.rows, this.bottom, this.footer);
    scroller.addEventListener('scroll', () => this.onScroll(), { passive: true });
    new ResizeObserver(() => this.refresh()).observe(scroller);
  }

  /** Tail mode, not following: lines that arrived below the view. */
  get unseenLines(): number {
    return this.unseen;
  }

  get isFollowing(): boolean {
    return this.mode === 'tail' && this.following;
  }

  /** Empties the view for a new query. */
  reset(mode: ListMode): void {
    this.mode = mode;
    this.layout.clear();
    this.rendered.clear();
    this.order = [];
    this.rows.replaceChildren();
    this.setFollow(mode === 'tail', 0);
    this.scroller.scrollTop = 0;
    this.refresh();
  }

  /** Tells the view what the store just did. */
  appended(res: AppendResult): void {
    if (res.evicted > 0) {
      // Keep what the user is reading in place when rows vanish above it.
      const firstSeq = this.store.firstSeq;
      const removed = this.layout.offsetOf(res.evicted, firstSeq - res.evicted);
      this.layout.prune(firstSeq);
      if (!this.isFollowing)
        this.scroller.scrollTop = Math.max(0, this.scroller.scrollTop - removed);
    }
    if (this.mode === 'tail' && !this.following && res.added > 0) {
      this.setFollow(false, this.unseen + res.added);
    }
    this.refresh();
  }

  /** Drops every rendered row (zone or theme changed). */
  invalidate(): void {
    this.rendered.clear();
    this.refresh();
  }

  toggle(seq: number): void {
    if (this.layout.isExpanded(seq)) this.layout.collapse(seq);
    else {
      const closed = this.layout.expand(seq);
      if (closed !== null) this.rendered.delete(closed);
    }
    this.rendered.delete(seq);
    this.refresh();
  }

  /** Back to the newest line, following again. */
  jumpToEnd(): void {
    this.setFollow(this.mode === 'tail', 0);
    this.scroller.scrollTop = this.scroller.scrollHeight;
    this.refresh();
  }

  private setFollow(following: boolean, unseen: number): void {
    const changed = following !== this.following || unseen !== this.unseen;
    this.following = following;
    this.unseen = following ? 0 : unseen;
    if (changed) this.o.onFollow(this.following, this.unseen);
  }

  private onScroll(): void {
    const s = this.scroller;
    const atBottom = s.scrollHeight - s.scrollTop - s.clientHeight <= BOTTOM_SLACK;
    if (this.mode === 'tail' && atBottom !== this.following) this.setFollow(atBottom, this.unseen);
    this.refresh();
  }

  /** Lays out and draws again on the next frame (a row changed height, the data changed). */
  refresh(): void {
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.render());
  }

  private render(): void {
    this.frame = 0;
    const s = this.scroller;
    const count = this.store.length;
    const firstSeq = this.store.firstSeq;
    const total = this.layout.totalHeight(count, firstSeq);
    const viewport = s.clientHeight;
    const scrollTop = this.isFollowing ? Math.max(0, total - viewport) : s.scrollTop;
    const vis = this.layout.visible(scrollTop, viewport, count, firstSeq, this.o.overscan ?? 20);
    const next = new Map<number, HTMLElement>();
    const order: HTMLElement[] = [];
    if (vis) {
      for (let i = vis.first; i <= vis.last; i++) {
        const row = this.store.at(i);
        if (!row) continue;
        const el =
          this.rendered.get(row.seq) ?? this.o.renderRow(row, this.layout.isExpanded(row.seq));
        next.set(row.seq, el);
        order.push(el);
      }
    }
    if (order.length !== this.order.length || order.some((el, i) => el !== this.order[i])) {
      this.rows.replaceChildren(...order);
    }
    this.rendered = next;
    this.order = order;
    const topPx = vis ? this.layout.offsetOf(vis.first, firstSeq) : 0;
    const endPx = vis ? this.layout.offsetOf(vis.last + 1, firstSeq) : 0;
    this.top.style.height = `${topPx}px`;
    this.bottom.style.height = `${Math.max(0, total - endPx)}px`;
    if (this.measure() && this.measurePasses < 3) {
      // Expanded rows got their real height: lay out again (bounded, in case sizes oscillate).
      this.measurePasses++;
      this.refresh();
    } else this.measurePasses = 0;
    if (this.isFollowing) s.scrollTop = s.scrollHeight;
    if (this.mode === 'search' && vis && vis.last >= count - 50) this.o.onNearEnd();
  }

  private measure(): boolean {
    let changed = false;
    for (const [seq, el] of this.rendered) {
      if (this.layout.isExpanded(seq) && this.layout.measured(seq, el.offsetHeight)) changed = true;
    }
    return changed;
  }
}
