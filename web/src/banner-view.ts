/**
 * The banner at the top of the page while the store lags (lag-feed.ts): one line per
 * lagging collector, in red while PostgreSQL is unreachable or a spool is full, and a
 * button to the health panel's "Store" section. Hidden while every collector keeps up.
 */
import { byId, h } from './dom.js';
import type { StoreLag } from './lag-feed.js';

export class BannerView {
  private readonly el = byId('store-banner', HTMLElement);

  constructor(onDetails: () => void) {
    this.el.addEventListener('click', (e) => {
      if (e.target instanceof Element && e.target.closest('[data-action="store-details"]'))
        onDetails();
    });
  }

  paint(lag: StoreLag): void {
    const shown = lag.lines.length > 0;
    this.el.classList.toggle('hidden', !shown);
    this.el.classList.toggle('bad', lag.postgresDown || lag.full);
    if (!shown) {
      this.el.replaceChildren();
      return;
    }
    this.el.replaceChildren(
      h('div', { class: 'sb-lines' }, ...lag.lines.map((text) => h('div', { text }))),
      h('button', {
        class: 'mini',
        text: 'Details',
        title: 'The spool and PostgreSQL of every collector',
        attrs: { type: 'button', 'data-action': 'store-details' },
      }),
    );
  }
}
