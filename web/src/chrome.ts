/**
 * The page around the list on small screens and the header's small buttons (issue 18):
 *
 * - under 900 px the containers list leaves the side for a drawer, opened by the
 *   "Containers" button and closed by its backdrop, Escape or picking a container;
 * - under 700 px lines wrap (the list measures every row, list-view.ts) instead of
 *   being cut at the window's edge;
 * - "Link" copies the page's URL, which holds the whole view (url-state.ts).
 */
import { byId, h } from './dom.js';

export const DRAWER_QUERY = '(max-width: 900px)';
export const WRAP_QUERY = '(max-width: 700px)';
/** A wrapped row's height before it is measured: the meta line and one line of text. */
export const WRAPPED_ROW_ESTIMATE = 38;

export class Drawer {
  private readonly btn = byId('side-btn', HTMLButtonElement);
  private readonly backdrop = h('div', { class: 'drawer-backdrop' });

  constructor() {
    document.body.append(this.backdrop);
    this.btn.addEventListener('click', () => this.toggle(!this.isOpen));
    this.backdrop.addEventListener('click', () => this.toggle(false));
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.isOpen) this.toggle(false);
    });
    // Back to a wide window: the side list is a column again, not a drawer.
    window.matchMedia(DRAWER_QUERY).addEventListener('change', (e) => {
      if (!e.matches) this.toggle(false);
    });
  }

  get isOpen(): boolean {
    return document.body.classList.contains('drawer-open');
  }

  toggle(open: boolean): void {
    document.body.classList.toggle('drawer-open', open);
    this.btn.setAttribute('aria-expanded', String(open));
  }
}

/** Calls `f` with whether lines wrap now, and again whenever that changes. */
export function onWrapChange(f: (wrapped: boolean) => void): void {
  const mq = window.matchMedia(WRAP_QUERY);
  f(mq.matches);
  mq.addEventListener('change', (e) => f(e.matches));
}

/**
 * Copies `text`: the Clipboard API where the page may use it (HTTPS, localhost), else
 * the older copy command on a hidden field (a plain-HTTP address on the LAN).
 */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const field = h('textarea', { class: 'offscreen', attrs: { readonly: '' } });
    field.value = text;
    document.body.append(field);
    field.select();
    try {
      return document.execCommand('copy');
    } catch {
      return false;
    } finally {
      field.remove();
    }
  }
}

/** The "Link" button: copies the URL and says so for a moment. */
export function setupCopyLink(): void {
  const btn = byId('link-btn', HTMLButtonElement);
  const label = btn.textContent ?? 'Link';
  let timer = 0;
  btn.addEventListener('click', () => {
    void copyText(location.href).then((ok) => {
      btn.textContent = ok ? 'Copied' : 'Copy failed';
      btn.dataset.copied = ok ? 'yes' : 'no';
      window.clearTimeout(timer);
      timer = window.setTimeout(() => {
        btn.textContent = label;
        delete btn.dataset.copied;
      }, 1500);
    });
  });
}
