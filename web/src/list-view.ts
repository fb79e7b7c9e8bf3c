/**
 * The virtual list: only the rows in view (plus a margin) exist as elements, between
 * two spacers that stand for the rest, so 100,000 rows cost a few dozen elements
 * (issue 5, point 9).
 *
 *   scroller ┬ header         "older lines" when they load at the top
 *            ├ top spacer     offsetOf(first)
 *            ├ rows           first..last, rendered
 *            ├ bottom spacer  total - offsetOf(last + 1)
 *            └ footer         "older lines" when they load at the bottom; empty states
 *
 * The store only appends; where its rows show depends on the order (issue 18, point 4):
 * `reversed` draws the store upside down. The tail appends newer lines and a search
 * appends older pages, so with newest-at-bottom the tail is drawn as stored and a search
 * reversed, and with newest-at-top the other way round.
 *
 * The view can be pinned to one edge: in the tail, the edge where new lines arrive (it
 * follows them while the user is there; scrolling away stops following and counts the
 * lines that arrive); in a search, the newest line's edge, so the first page opens on
 * it. Rows added or evicted above the view shift the scroll position by their height,
 * so what the user reads stays in place.
 */
import { RowLayout } from './layout.js';
import type { AppendResult, Row, RowStore } from './store.js';

export type ListMode = 'tail' | 'search';

export interface ListViewOptions {
  rowHeight: number;
  renderRow(row: Row, expanded: boolean): HTMLElement;
  /** Tail mode: following the newest line or not, and lines arrived since. */
  onFollow(following: boolean, unseen: number): void;
  /** Search mode: the view came near the oldest row loaded. */
  onNearEnd(): void;
  overscan?: number;
}

/** How close to an edge (px) still counts as "at the edge". */
const EDGE_SLACK = 4;
/** Rows from the oldest loaded one at which a search asks for the next page. */
const NEAR_END_ROWS = 50;

export class ListView {
  readonly layout: RowLayout;
  readonly header: HTMLElement;
  readonly footer: HTMLElement;
  private readonly top: HTMLElement;
  private readonly rows: HTMLElement;
  private readonly bottom: HTMLElement;
  private mode: ListMode = 'tail';
  private pinEdge: 'top' | 'bottom' = 'bottom';
  private pinned = true;
  private unseen = 0;
  /** Pixels to move the scroll position by at the next render (rows added above). */
  private shift = 0;
  private width = 0;
  private rendered = new Map<number, HTMLElement>();
  private order: HTMLElement[] = [];
  private frame = 0;
  private measurePasses = 0;
  /** A row just opened, to scroll into view once it has its height. */
  private reveal: number | null = null;

  constructor(
    private readonly scroller: HTMLElement,
    private readonly store: RowStore,
    private readonly o: ListViewOptions,
  ) {
    this.layout = new RowLayout(o.rowHeight);
    this.header = document.createElement('div');
    this.top = document.createElement('div');
    this.rows = document.createElement('div');
    this.bottom = document.createElement('div');
    this.footer = document.createElement('div');
    this.rows.className = 'rows';
    this.header.className = 'list-edge';
    this.footer.className = 'list-edge';
    scroller.replaceChildren(this.header, this.top, this.rows, this.bottom, this.footer);
    scroller.addEventListener('scroll', () => this.onScroll(), { passive: true });
    new ResizeObserver(() => this.resized()).observe(scroller);
  }

  /** Tail mode, not following: lines that arrived since. */
  get unseenLines(): number {
    return this.unseen;
  }

  get isFollowing(): boolean {
    return this.mode === 'tail' && this.pinned;
  }

  /** Where the newest line is drawn. */
  get newestAt(): 'top' | 'bottom' {
    return this.pinEdge;
  }

  /**
   * Measured rows of estimated height `rowHeight` (lines wrap on a narrow screen), or
   * fixed rows of the options' height.
   */
  setWrapped(wrapped: boolean, rowHeight: number): void {
    this.layout.setMeasureAll(wrapped, wrapped ? rowHeight : this.o.rowHeight);
    this.rendered.clear();
    this.refresh();
  }

  /** Empties the view for a new query; `reversed` draws the store upside down. */
  reset(mode: ListMode, reversed: boolean): void {
    this.mode = mode;
    this.layout.clear();
    this.layout.reversed = reversed;
    this.rendered.clear();
    this.order = [];
    this.rows.replaceChildren();
    this.shift = 0;
    // Tail: where appends show. Search: where the store's first (newest) row shows.
    this.pinEdge = (mode === 'tail') === reversed ? 'top' : 'bottom';
    this.unseen = 0;
    this.setPinned(true, 0);
    this.scroller.scrollTop = 0;
    this.refresh();
  }

  /** Tells the view what the store just did. */
  appended(res: AppendResult): void {
    const h = this.layout.rowHeight;
    if (res.evicted > 0) {
      const firstSeq = this.store.firstSeq;
      // Evicted rows are the store's first: at the top unless the store is drawn reversed.
      if (!this.layout.reversed)
        this.shift -= this.layout.offsetOf(res.evicted, firstSeq - res.evicted);
      this.layout.prune(firstSeq);
    }
    // Added rows are the store's last: at the top when it is drawn reversed.
    if (this.layout.reversed && res.added > 0) this.shift += res.added * h;
    if (this.mode === 'tail' && !this.pinned && res.added > 0) {
      this.setPinned(false, this.unseen + res.added);
    }
    this.refresh();
  }

  /** Drops every rendered row (zone or theme changed). */
  invalidate(): void {
    this.rendered.clear();
    this.refresh();
  }

  /**
   * Opens or closes a row's details. The row stays where it was (a pinned view stops
   * following: the user is reading), and its details are scrolled into view.
   */
  toggle(seq: number): void {
    if (this.layout.isExpanded(seq)) this.layout.collapse(seq);
    else {
      const closed = this.layout.expand(seq);
      if (closed !== null) this.rendered.delete(closed);
      this.reveal = seq;
    }
    if (this.pinned) this.setPinned(false, this.unseen);
    this.rendered.delete(seq);
    this.refresh();
  }

  /** Back to the newest line, following it again in the tail. */
  jumpToEnd(): void {
    this.setPinned(true, 0);
    this.shift = 0;
    this.refresh();
  }

  private setPinned(pinned: boolean, unseen: number): void {
    const wasFollowing = this.isFollowing;
    const wasUnseen = this.unseen;
    this.pinned = pinned;
    this.unseen = pinned ? 0 : unseen;
    if (this.isFollowing !== wasFollowing || this.unseen !== wasUnseen)
      this.o.onFollow(this.isFollowing, this.unseen);
  }

  private atPinEdge(): boolean {
    const s = this.scroller;
    if (this.pinEdge === 'top') return s.scrollTop <= EDGE_SLACK;
    return s.scrollHeight - s.scrollTop - s.clientHeight <= EDGE_SLACK;
  }

  private onScroll(): void {
    const at = this.atPinEdge();
    if (at !== this.pinned) this.setPinned(at, this.unseen);
    this.refresh();
  }

  private resized(): void {
    const w = this.scroller.clientWidth;
    if (w !== this.width && this.layout.measureAll) {
      // Wrapped rows change height with the width: measure them again.
      this.layout.forgetHeights();
      this.rendered.clear();
    }
    this.width = w;
    this.refresh();
  }

  /** Lays out and draws again on the next frame (a row changed height, the data changed). */
  refresh(): void {
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.render());
  }

  private render(): void {
    this.frame = 0;
    const s = this.scroller;
    const l = this.layout;
    const count = this.store.length;
    const firstSeq = this.store.firstSeq;
    const head = this.header.offsetHeight;
    const total = l.totalHeight(count, firstSeq);
    const viewport = s.clientHeight;
    let scrollTop: number;
    if (this.pinned) scrollTop = this.pinEdge === 'top' ? 0 : Math.max(0, head + total - viewport);
    else scrollTop = Math.max(0, s.scrollTop + this.shift);
    this.shift = 0;
    const y = Math.max(0, scrollTop - head);
    const vis = l.visible(y, viewport, count, firstSeq, this.o.overscan ?? 20);
    const next = new Map<number, HTMLElement>();
    const order: HTMLElement[] = [];
    if (vis) {
      for (let d = vis.first; d <= vis.last; d++) {
        const row = this.store.at(l.reversed ? count - 1 - d : d);
        if (!row) continue;
        const el = this.rendered.get(row.seq) ?? this.o.renderRow(row, l.isExpanded(row.seq));
        next.set(row.seq, el);
        order.push(el);
      }
    }
    if (order.length !== this.order.length || order.some((el, i) => el !== this.order[i])) {
      this.rows.replaceChildren(...order);
    }
    this.rendered = next;
    this.order = order;
    // The row at the top of the view keeps its place while rows above it get measured.
    const anchor = l.indexAt(y, count, firstSeq);
    const anchorTop = l.offsetOf(anchor, firstSeq, count);
    const changed = this.measure();
    if (changed && !this.pinned) this.shift += l.offsetOf(anchor, firstSeq, count) - anchorTop;
    const topPx = vis ? l.offsetOf(vis.first, firstSeq, count) : 0;
    const endPx = vis ? l.offsetOf(vis.last + 1, firstSeq, count) : 0;
    this.top.style.height = `${topPx}px`;
    this.bottom.style.height = `${Math.max(0, l.totalHeight(count, firstSeq) - endPx)}px`;
    if (this.pinned) s.scrollTop = this.pinEdge === 'top' ? 0 : s.scrollHeight;
    else if (s.scrollTop !== scrollTop) s.scrollTop = scrollTop;
    if (this.reveal !== null && !changed) this.revealRow(this.reveal, head);
    if (changed && this.measurePasses < 3) {
      // Rows got their real height: lay out again (bounded, in case sizes oscillate).
      this.measurePasses++;
      this.refresh();
    } else this.measurePasses = 0;
    if (this.mode === 'search' && vis) {
      const nearOldest = l.reversed
        ? vis.first <= NEAR_END_ROWS
        : vis.last >= count - NEAR_END_ROWS;
      if (nearOldest) this.o.onNearEnd();
    }
  }

  /** Scrolls the least that shows all of an opened row (its top first when it is taller). */
  private revealRow(seq: number, head: number): void {
    this.reveal = null;
    const el = this.rendered.get(seq);
    if (!el) return;
    const s = this.scroller;
    const top = el.offsetTop;
    const bottom = top + el.offsetHeight;
    const view = s.scrollTop + s.clientHeight;
    if (bottom > view) s.scrollTop = Math.max(head, Math.min(top, bottom - s.clientHeight));
  }

  private measure(): boolean {
    let changed = false;
    for (const [seq, el] of this.rendered) {
      if (this.layout.needsMeasure(seq) && this.layout.measured(seq, el.offsetHeight))
        changed = true;
    }
    return changed;
  }
}
