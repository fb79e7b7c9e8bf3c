/**
 * Puts what status.ts decided on the page: the status line, the live and pause buttons,
 * the "N new lines" pill, the zone button and the list's footer.
 */
import { byId, h } from './dom.js';
import { describeEdge, describeStatus, type StatusInput } from './status.js';
import type { Zone } from './time.js';

export class StatusView {
  private readonly state = byId('status-state', HTMLElement);
  private readonly count = byId('status-count', HTMLElement);
  private readonly live = byId('live-btn', HTMLButtonElement);
  private readonly pause = byId('pause-btn', HTMLButtonElement);
  private readonly pill = byId('new-lines', HTMLButtonElement);
  private readonly zone = byId('zone-btn', HTMLButtonElement);

  /** `header` and `footer`: the list's edges (list-view.ts). */
  constructor(
    private readonly header: HTMLElement,
    private readonly footer: HTMLElement,
  ) {}

  paint(input: StatusInput, zone: Zone): void {
    const v = describeStatus(input);
    const note = describeEdge(input);
    const el =
      note === null
        ? null
        : h(
            'div',
            { class: 'edge-note' },
            note.text ? h('span', { text: note.text }) : null,
            note.action
              ? h('button', {
                  text: note.actionText ?? '',
                  attrs: { type: 'button', 'data-action': note.action },
                })
              : null,
          );
    // Older lines load at the top when the newest is at the bottom; empty states go below.
    const atTop = input.rows > 0 && !input.live && input.newestAt === 'bottom';
    this.header.replaceChildren(atTop && el ? el : '');
    this.footer.replaceChildren(!atTop && el ? el : '');
    this.state.textContent = v.text;
    this.state.className = v.cls;
    this.count.textContent = v.count;
    this.live.classList.toggle('on', input.live);
    this.live.setAttribute('aria-pressed', String(input.live));
    this.pause.classList.toggle('hidden', !input.live);
    this.pause.textContent = v.pauseLabel;
    this.pill.classList.toggle('hidden', v.pill === null);
    this.pill.classList.toggle('at-top', input.newestAt === 'top');
    this.pill.textContent = v.pill ?? '';
    this.zone.textContent = zone === 'utc' ? 'UTC' : 'Local';
  }
}
