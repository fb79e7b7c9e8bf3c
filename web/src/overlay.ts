/**
 * A panel over the page (context lines, ingestion health) with a title, a close button
 * and Escape to close. Only one is open at a time.
 */
import { h } from './dom.js';

export class Overlay {
  readonly body: HTMLElement;
  private readonly root: HTMLElement;
  private readonly titleEl: HTMLElement;
  private closeHandler: (() => void) | null = null;

  constructor(host: HTMLElement) {
    this.titleEl = h('h2', {});
    const close = h('button', {
      class: 'icon',
      text: '×',
      title: 'Close (Esc)',
      attrs: { type: 'button' },
    });
    close.addEventListener('click', () => this.close());
    this.body = h('div', { class: 'ov-body' });
    this.root = h(
      'div',
      { class: 'overlay hidden', attrs: { role: 'dialog', 'aria-modal': 'true' } },
      h(
        'div',
        { class: 'ov-panel' },
        h('div', { class: 'ov-head' }, this.titleEl, close),
        this.body,
      ),
    );
    this.root.addEventListener('click', (e) => {
      if (e.target === this.root) this.close();
    });
    host.append(this.root);
  }

  get isOpen(): boolean {
    return !this.root.classList.contains('hidden');
  }

  /** Shows the panel; `onClose` runs when the user closes it (not when another replaces it). */
  open(title: string, onClose: () => void): void {
    this.closeHandler = onClose;
    this.titleEl.textContent = title;
    this.body.replaceChildren();
    this.root.classList.remove('hidden');
  }

  /** Closed by the user: hides and tells the owner. */
  close(): void {
    if (!this.isOpen) return;
    const f = this.closeHandler;
    this.hide();
    f?.();
  }

  /** Hides without telling the owner (the page closed it itself). */
  hide(): void {
    this.closeHandler = null;
    this.root.classList.add('hidden');
    this.body.replaceChildren();
  }
}
