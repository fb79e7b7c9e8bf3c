/**
 * The histogram as SVG: bars, round-time ticks, a hover title per bar, and a drag or
 * click that zooms to a range (geometry in histogram-model.ts). Attributes only, no
 * style strings, so it needs nothing from the Content-Security-Policy.
 */
import { svg } from './dom.js';
import { formatCount } from './format.js';
import { bars, domainOf, gestureRange, ticks, type Domain } from './histogram-model.js';
import { formatInstant } from './time.js';
import type { HistogramData } from './wire.js';

export interface HistogramViewOptions {
  onZoom(range: Domain): void;
  /** Zone offset in minutes for labels at a given time. */
  offset(ms: number): number;
}

const AXIS = 16;
/** Room above the bars for the caption. */
const TOP = 16;

export class HistogramView {
  private data: HistogramData | null = null;
  private readonly root: SVGSVGElement;
  private readonly sel: SVGRectElement;
  private dragFrom: number | null = null;

  constructor(
    private readonly host: HTMLElement,
    private readonly o: HistogramViewOptions,
  ) {
    this.root = svg('svg', {}, 'hist-svg');
    this.sel = svg('rect', { x: 0, y: 0, width: 0, height: 0 }, 'hist-sel');
    host.replaceChildren(this.root);
    new ResizeObserver(() => this.render()).observe(host);
    this.root.addEventListener('pointerdown', (e) => this.down(e));
    this.root.addEventListener('pointermove', (e) => this.move(e));
    this.root.addEventListener('pointerup', (e) => this.up(e));
    this.root.addEventListener('pointercancel', () => this.cancel());
  }

  get width(): number {
    return this.host.clientWidth;
  }

  set(data: HistogramData | null): void {
    this.data = data;
    this.render();
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
      for (const b of bars(data, w, plotH)) {
        const r = svg('rect', { x: b.x, y: b.y + TOP, width: b.w, height: b.h }, 'hist-bar');
        const title = svg('title');
        const off = this.o.offset(b.start);
        title.textContent = `${formatInstant(b.start, off)} – ${formatInstant(b.end, off)}: ${b.count} lines`;
        r.append(title);
        nodes.push(r);
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
