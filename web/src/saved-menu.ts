/**
 * The small menu by the query box (issue 18): saved searches (open, delete, save the
 * current view under a name) and the recent queries (put one back in the box). The data
 * and its bounds are saved.ts; this is only the view. Names and queries are user text:
 * they go in as text like everything else.
 */
import { byId, h } from './dom.js';
import type { SearchHistory } from './saved.js';

export interface SavedMenuOptions {
  history: SearchHistory;
  /** The current view as a URL query string (url-state.ts), for "save". */
  current(): string;
  /** A saved search was picked: go to its URL query string. */
  open(search: string): void;
  /** A recent query was picked. */
  query(q: string): void;
}

export class SavedMenu {
  private readonly btn = byId('saved-btn', HTMLButtonElement);
  private readonly menu = byId('saved-menu', HTMLElement);

  constructor(private readonly o: SavedMenuOptions) {
    this.btn.addEventListener('click', () => (this.isOpen ? this.close() : this.open()));
    document.addEventListener('pointerdown', (e) => {
      if (!this.isOpen || !(e.target instanceof Node)) return;
      if (!this.menu.contains(e.target) && !this.btn.contains(e.target)) this.close();
    });
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.isOpen) {
        this.close();
        this.btn.focus();
      }
    });
  }

  get isOpen(): boolean {
    return !this.menu.classList.contains('hidden');
  }

  open(): void {
    this.render();
    const top = this.menu.offsetParent?.getBoundingClientRect().left ?? 0;
    const left = Math.max(8, this.btn.getBoundingClientRect().right - top - 320);
    this.menu.style.left = `${left}px`;
    this.menu.classList.remove('hidden');
    this.btn.setAttribute('aria-expanded', 'true');
  }

  close(): void {
    this.menu.classList.add('hidden');
    this.btn.setAttribute('aria-expanded', 'false');
  }

  private render(): void {
    const hist = this.o.history;
    const saved = hist.saved().map((s) => {
      const go = h('button', {
        class: 'menu-item',
        text: s.name,
        title: s.search || '(the default view)',
        attrs: { type: 'button', 'data-saved': s.name },
      });
      go.addEventListener('click', () => {
        this.close();
        this.o.open(s.search);
      });
      const del = h('button', {
        class: 'icon menu-del',
        text: '×',
        title: `Delete "${s.name}"`,
        attrs: { type: 'button', 'aria-label': `Delete ${s.name}` },
      });
      del.addEventListener('click', () => {
        hist.remove(s.name);
        this.render();
      });
      return h('div', { class: 'menu-row' }, go, del);
    });
    const name = h('input', {
      class: 'menu-name',
      attrs: {
        type: 'text',
        maxlength: '100',
        placeholder: 'Name this search',
        'aria-label': 'Name for the saved search',
      },
    });
    const save = h('button', { text: 'Save', attrs: { type: 'button', class: 'primary' } });
    const doSave = (): void => {
      if (name.value.trim() === '') {
        name.focus();
        return;
      }
      hist.save({ name: name.value, search: this.o.current() });
      this.render();
    };
    save.addEventListener('click', doSave);
    name.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        doSave();
      }
    });
    const recent = hist.recent().map((q) => {
      const b = h('button', {
        class: 'menu-item mono',
        text: q,
        title: q,
        attrs: { type: 'button', 'data-recent': q },
      });
      b.addEventListener('click', () => {
        this.close();
        this.o.query(q);
      });
      return b;
    });
    this.menu.replaceChildren(
      h('div', { class: 'menu-title', text: 'Saved searches' }),
      ...(saved.length ? saved : [h('div', { class: 'menu-empty', text: 'None saved yet' })]),
      h('div', { class: 'menu-save' }, name, save),
      h('div', { class: 'menu-title', text: 'Recent queries' }),
      ...(recent.length ? recent : [h('div', { class: 'menu-empty', text: 'None yet' })]),
    );
  }
}
