/**
 * The histogram as SVG: bars, round-time ticks, a hover title per bar, and a drag or
 * click that zooms to a range (geometry in histogram-model.ts). Attributes only, no
 * style strings, so it needs nothing from the Content-Security-Policy.
 *
 * Issue 18: when the API splits the counts (`by=level|container`), each bar is stacked
 * by group, with a legend of the groups and their totals; a legend entry filters on its
 * group like any other value (`data-term`), and the legend switches between level and
 * container. An API without groups gets the plain bars and no legend.
 */
import { containerTerm } from './containers.js';
import { h, svg } from './dom.js';
import { colorSlot, formatCount, formatInt } from './format.js';
import {
  bars,
  domainOf,
  gestureRange,
  groupTotals,
  stacks,
  ticks,
  type Bar,
  type Domain,
  type Segment,
} from './histogram-model.js';
import { formatInstant } from './time.js';
import { SEVERITY_NAMES } from '../../core/record.js';
import type { HistogramData } from './wire.js';

export type HistogramBy = 'level' | 'container';

export interface HistogramViewOptions {
  onZoom(range: Domain): void;
  /** Zone offset in minutes for labels at a given time. */
  offset(ms: number): number;
  /** The user switched the grouping. */
  onBy(by: HistogramBy): void;
}

/** The colour class of a group key. */
export function groupClass(by: HistogramBy, key: string): string {
  if (by === 'level') {
    const i = SEVERITY_NAMES.indexOf(key as (typeof SEVERITY_NAMES)[number]);
    return i < 0 ? 'hs-none' : `hs-l${i}`;
  }
  return key === 'other' ? 'hs-other' : `hs-c${colorSlot(key)}`;
}

/** The query term for a group key, or null for the catch-all groups ("none", "other"). */
export function groupTerm(by: HistogramBy, key: string): string | null {
  if (by === 'level') return SEVERITY_NAMES.includes(key as never) ? `level:${key}` : null;
  return key === 'other' ? null : containerTerm(key);
}

const AXIS = 16;
/** Room above the bars for the caption. */
const TOP = 16;

export class HistogramView {
  private data: HistogramData | null = null;
  private by: HistogramBy = 'level';
  private readonly root: SVGSVGElement;
  private readonly legend: HTMLElement;
  private readonly sel: SVGRectElement;
  private dragFrom: number | null = null;

  constructor(
    private readonly host: HTMLElement,
    private readonly o: HistogramViewOptions,
  ) {
    this.root = svg('svg', {}, 'hist-svg');
    this.sel = svg('rect', { x: 0, y: 0, width: 0, height: 0 }, 'hist-sel');
    this.legend = h('div', { class: 'hist-legend hidden' });
    this.legend.addEventListener('click', (e) => {
      const b = e.target instanceof Element ? e.target.closest<HTMLElement>('[data-by]') : null;
      const by = b?.dataset.by;
      if (by === 'level' || by === 'container') o.onBy(by);
    });
    host.replaceChildren(this.root, this.legend);
    new ResizeObserver(() => this.render()).observe(host);
    this.root.addEventListener('pointerdown', (e) => this.down(e));
    this.root.addEventListener('pointermove', (e) => this.move(e));
    this.root.addEventListener('pointerup', (e) => this.up(e));
    this.root.addEventListener('pointercancel', () => this.cancel());
  }

  get width(): number {
    return this.host.clientWidth;
  }

  set(data: HistogramData | null, by: HistogramBy = this.by): void {
    this.data = data;
    this.by = by;
    this.render();
  }

  /** Whether the page refreshes it on a timer (`data-refresh`, for tests and curious users). */
  setRefreshing(on: boolean): void {
    this.host.dataset.refresh = on ? 'on' : 'off';
  }

  private renderLegend(data: HistogramData | null): void {
    if (!data?.groups) {
      this.legend.classList.add('hidden');
      this.legend.replaceChildren();
      return;
    }
    const by = this.by;
    const switcher = h(
      'span',
      { class: 'lg-by', attrs: { role: 'group', 'aria-label': 'Split the counts by' } },
      ...(['level', 'container'] as const).map((b) =>
        h('button', {
          text: b,
          title: `Stack the bars by ${b}`,
          attrs: { type: 'button', 'data-by': b, 'aria-pressed': String(b === by) },
        }),
      ),
    );
    const entries = groupTotals(data)
      .filter((g) => g.count > 0)
      .map((g) => {
        const term = groupTerm(by, g.key);
        const el = h(
          'span',
          {
            class: `lg${term ? ' lg-term' : ''}`,
            title: term
              ? `${term}: ${formatInt(g.count)} lines · click: add to the query · shift-click: exclude`
              : `${formatInt(g.count)} lines`,
            attrs: term ? { 'data-term': term } : {},
          },
          h('span', { class: `sw ${groupClass(by, g.key)}` }),
          h('span', { class: 'lg-key', text: g.key }),
          h('span', { class: 'lg-n', text: formatCount(g.count) }),
        );
        el.dataset.key = g.key;
        el.dataset.count = String(g.count);
        return el;
      });
    this.legend.replaceChildren(switcher, ...entries);
    this.legend.classList.remove('hidden');
  }

  render(): void {
    const w = this.host.clientWidth;
    const hgt = this.host.clientHeight;
    this.root.setAttribute('viewBox', `0 0 ${w} ${hgt}`);
    this.root.setAttribute('width', String(w));
    this.root.setAttribute('height', String(hgt));
    const nodes: SVGElement[] = [];
    const plotH = Math.max(0, hgt - AXIS - TOP);
    const data = this.data;
    const d = data ? domainOf(data) : null;
    let total = 0;
    let max = 0;
    for (const b of data?.buckets ?? []) {
      total += b.count;
      max = Math.max(max, b.count);
    }
    if (data && d && w > 0 && total > 0) {
      for (const t of ticks(d, w, this.o.offset(d.end))) {
        nodes.push(svg('line', { x1: t.x, x2: t.x, y1: TOP, y2: TOP + plotH }, 'hist-grid'));
        if (t.x + 40 > w) continue; // no room for the label at the right edge
        const label = svg('text', { x: t.x + 3, y: hgt - 4 }, 'hist-tick');
        label.textContent = t.label;
        nodes.push(label);
      }
      const drawn: (Bar & { segments?: Segment[] })[] = data.groups
        ? stacks(data, w, plotH)
        : bars(data, w, plotH);
      for (const b of drawn) {
        const off = this.o.offset(b.start);
        const when = `${formatInstant(b.start, off)} – ${formatInstant(b.end, off)}`;
        const r = svg('rect', { x: b.x, y: b.y + TOP, width: b.w, height: b.h }, 'hist-bar');
        const title = svg('title');
        const split = b.segments
          ? ` · ${b.segments.map((x) => `${x.key} ${x.count}`).join(', ')}`
          : '';
        title.textContent = `${when}: ${b.count} lines${split}`;
        r.append(title);
        nodes.push(r);
        if (!b.segments) continue;
        // Segments over the bar: the bar stays the target of clicks and hover titles.
        const g = svg('g', { 'pointer-events': 'none' }, 'hist-stack');
        for (const seg of b.segments) {
          const cls = `hist-seg ${groupClass(this.by, seg.key)}`;
          const attrs = { x: b.x, y: seg.y + TOP, width: b.w, height: seg.h };
          const rect = svg('rect', { ...attrs, 'data-key': seg.key, 'data-count': seg.count }, cls);
          g.append(rect);
        }
        nodes.push(g);
      }
      const caption = svg('text', { x: w - 8, y: 12 }, 'hist-caption');
      caption.textContent = `${formatCount(total)} lines · peak ${formatCount(max)}/bucket`;
      nodes.push(caption);
    } else {
      const empty = svg('text', { x: w / 2, y: hgt / 2 }, 'hist-empty');
      empty.textContent = data ? 'No lines in this range' : '';
      nodes.push(empty);
    }
    nodes.push(this.sel);
    this.root.replaceChildren(...nodes);
    this.renderLegend(total > 0 ? data : null);
  }

  private x(e: PointerEvent): number {
    return e.clientX - this.root.getBoundingClientRect().left;
  }

  private down(e: PointerEvent): void {
    if (!this.data || e.button !== 0) return;
    this.dragFrom = this.x(e);
    this.root.setPointerCapture(e.pointerId);
    this.drawSel(this.dragFrom, this.dragFrom);
  }

  private move(e: PointerEvent): void {
    if (this.dragFrom !== null) this.drawSel(this.dragFrom, this.x(e));
  }

  private up(e: PointerEvent): void {
    if (this.dragFrom === null || !this.data) return;
    const range = gestureRange(this.dragFrom, this.x(e), this.width, this.data);
    this.cancel();
    if (range) this.o.onZoom(range);
  }

  private cancel(): void {
    this.dragFrom = null;
    this.drawSel(0, 0);
  }

  private drawSel(a: number, b: number): void {
    this.sel.setAttribute('x', String(Math.min(a, b)));
    this.sel.setAttribute('width', String(Math.abs(b - a)));
    this.sel.setAttribute('y', String(TOP));
    this.sel.setAttribute('height', String(Math.max(0, this.host.clientHeight - AXIS - TOP)));
  }
}
