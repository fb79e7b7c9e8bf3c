/**
 * The header: query box, time range (presets and a custom range), and the error shown
 * under the query at its column (issue 5, point 2). Keyboard: `/` focuses the query.
 */
import { byId, h } from './dom.js';
import {
  formatInstant,
  fromInputValue,
  parseTimeParam,
  toInputValue,
  zoneOffset,
  type Zone,
} from './time.js';
import { PRESETS } from './ranges.js';
import type { ViewState } from './url-state.js';

export interface ControlsOptions {
  /** A new query or range was asked for. */
  onSearch(change: Partial<ViewState>): void;
  now(): number;
}

export class Controls {
  readonly query = byId('q', HTMLInputElement);
  private readonly range = byId('range', HTMLSelectElement);
  private readonly custom = byId('custom-form', HTMLFormElement);
  private readonly fromInput = byId('from-input', HTMLInputElement);
  private readonly toInput = byId('to-input', HTMLInputElement);
  private readonly error = byId('qerror', HTMLElement);
  private zone: Zone = 'local';
  private state: ViewState | null = null;

  constructor(private readonly o: ControlsOptions) {
    byId('qform', HTMLFormElement).addEventListener('submit', (e) => {
      e.preventDefault();
      o.onSearch({ q: this.query.value });
    });
    this.range.addEventListener('change', () => this.rangeChanged());
    this.custom.addEventListener('submit', (e) => {
      e.preventDefault();
      this.applyCustom();
    });
    byId('help-btn', HTMLButtonElement).addEventListener('click', () => {
      byId('help', HTMLElement).classList.toggle('hidden');
    });
  }

  /** Shows a state (after navigation or popstate). */
  show(s: ViewState, zone: Zone): void {
    this.state = s;
    this.zone = zone;
    if (this.query.value !== s.q) this.query.value = s.q;
    const preset = s.to === '' && PRESETS.some((p) => p.from === s.from);
    this.range.replaceChildren(
      ...PRESETS.map((p) => h('option', { text: p.label, attrs: { value: p.from } })),
      h('option', {
        text: preset ? 'Custom range…' : this.rangeLabel(s),
        attrs: { value: 'custom' },
      }),
    );
    this.range.value = preset ? s.from : 'custom';
    this.fillCustom(s);
  }

  focusQuery(): void {
    this.query.focus();
    this.query.select();
  }

  clearError(): void {
    this.error.classList.add('hidden');
    this.error.replaceChildren();
  }

  /** The error message and, with a column, the query with a caret under that column. */
  showError(message: string, q: string, column: number | null): void {
    const text =
      column === null ? message : message.replace(/ \(at (line \d+, )?column \d+\)$/, '');
    const parts: HTMLElement[] = [
      h('div', { class: 'qerr-msg', text: column === null ? text : `${text} (column ${column})` }),
    ];
    if (column !== null && q !== '') {
      const line = q.replace(/\n/g, ' ');
      parts.push(
        h(
          'pre',
          { class: 'qerr-where' },
          h('span', { text: line.slice(0, column - 1) }),
          h('span', { class: 'qerr-at', text: line.slice(column - 1, column) || ' ' }),
          h('span', { text: line.slice(column) }),
          '\n',
          h('span', { class: 'qerr-caret', text: `${' '.repeat(column - 1)}^` }),
        ),
      );
      this.query.focus();
      this.query.setSelectionRange(column - 1, column);
    }
    this.error.replaceChildren(...parts);
    this.error.classList.remove('hidden');
  }

  private rangeLabel(s: ViewState): string {
    const now = this.o.now();
    const a = parseTimeParam(s.from, now);
    const b = s.to === '' ? now : parseTimeParam(s.to, now);
    if (a === null || b === null) return `${s.from} – ${s.to || 'now'}`;
    const fmt = (ms: number): string => formatInstant(ms, zoneOffset(this.zone, ms)).slice(5);
    return `${fmt(a)} – ${s.to === '' ? 'now' : fmt(b)}`;
  }

  private fillCustom(s: ViewState): void {
    const now = this.o.now();
    const a = parseTimeParam(s.from, now) ?? now - 3_600_000;
    const b = s.to === '' ? now : (parseTimeParam(s.to, now) ?? now);
    this.fromInput.value = toInputValue(a, zoneOffset(this.zone, a));
    this.toInput.value = toInputValue(b, zoneOffset(this.zone, b));
    byId('custom-zone', HTMLElement).textContent = this.zone === 'utc' ? 'UTC' : 'local time';
  }

  private rangeChanged(): void {
    const v = this.range.value;
    if (v === 'custom') {
      if (this.state) this.fillCustom(this.state);
      this.custom.classList.remove('hidden');
      this.fromInput.focus();
      return;
    }
    this.custom.classList.add('hidden');
    this.o.onSearch({ from: v, to: '' });
  }

  private applyCustom(): void {
    const offsetOf = (ms: number): number => zoneOffset(this.zone, ms);
    const a = fromInputValue(this.fromInput.value, offsetOf);
    const b = fromInputValue(this.toInput.value, offsetOf);
    if (a === null || b === null || b <= a) {
      this.showError('The custom range needs a start before its end.', '', null);
      return;
    }
    this.custom.classList.add('hidden');
    this.o.onSearch({
      from: new Date(a).toISOString(),
      to: new Date(b).toISOString(),
      live: false,
    });
  }
}
