/**
 * The containers side list (issue 5, point 3): grouped by Compose project with counts
 * and last seen. A click on a name shows only that container; the checkbox adds it to
 * the ones already picked, which merge into one view.
 *
 * Issue 18: the containers seen in the view's range by default, every one ever seen one
 * click away ("all"); Docker's state as a small badge when logharbor reads the Docker
 * socket; a container known only by its id listed under its short id. On a narrow
 * screen the list is a drawer (app.ts opens and closes it).
 */
import { groupByProject, shownContainers, stateBadge, toggleName } from './containers.js';
import { h } from './dom.js';
import { colorSlot, formatCount, formatInt } from './format.js';
import { ageText } from './time.js';
import type { ContainerInfo } from './wire.js';

export interface SidebarOptions {
  onSelect(containers: string[]): void;
  /** The user asked for every container ever seen, or only those of the range. */
  onAll(all: boolean): void;
  now(): number;
}

export class SidebarView {
  private list: ContainerInfo[] = [];
  private selected: string[] = [];
  private filter = '';
  private all = false;
  private rangeStart: number | null = null;
  private readonly allBtn: HTMLButtonElement;
  private readonly collapsed = new Set<string>();
  private readonly body: HTMLElement;
  private readonly chips: HTMLElement;

  constructor(
    host: HTMLElement,
    private readonly o: SidebarOptions,
  ) {
    const search = h('input', {
      class: 'side-filter',
      attrs: {
        type: 'search',
        placeholder: 'Filter containers',
        'aria-label': 'Filter containers',
      },
    });
    search.addEventListener('input', () => {
      this.filter = search.value.trim().toLowerCase();
      this.render();
    });
    this.allBtn = h('button', {
      class: 'side-all',
      text: 'all',
      title: 'Show every container ever seen, not only those of this range',
      attrs: { type: 'button', 'aria-pressed': 'false' },
    });
    this.allBtn.addEventListener('click', () => {
      this.all = !this.all;
      this.allBtn.setAttribute('aria-pressed', String(this.all));
      this.o.onAll(this.all);
      this.render();
    });
    this.chips = h('div', { class: 'chips' });
    this.body = h('div', { class: 'side-body' });
    host.replaceChildren(
      h('div', { class: 'side-head' }, search, this.allBtn),
      this.chips,
      this.body,
    );
    this.body.addEventListener('click', (e) => this.click(e));
  }

  /** The list from the API; `rangeStart` (ms) is where the view's range begins. */
  setContainers(list: ContainerInfo[], rangeStart: number | null = null): void {
    this.list = list;
    this.rangeStart = rangeStart;
    this.render();
  }

  get showsAll(): boolean {
    return this.all;
  }

  /** The list holds a container of this name (the tail brings names it may not know yet). */
  knows(name: string): boolean {
    return this.list.some((c) => c.containerName === name);
  }

  setSelected(names: readonly string[]): void {
    this.selected = [...names];
    this.render();
  }

  private click(e: MouseEvent): void {
    const t = e.target;
    if (!(t instanceof Element)) return;
    const group = t.closest<HTMLElement>('[data-project]');
    if (group && t.closest('.grp-head')) {
      const key = group.dataset.project ?? '';
      if (this.collapsed.has(key)) this.collapsed.delete(key);
      else this.collapsed.add(key);
      this.render();
      return;
    }
    const item = t.closest<HTMLElement>('[data-name]');
    const name = item?.dataset.name;
    if (name === undefined) return;
    if (t instanceof HTMLInputElement || e.ctrlKey || e.metaKey) {
      this.o.onSelect(toggleName(this.selected, name));
    } else {
      const only = this.selected.length === 1 && this.selected[0] === name;
      this.o.onSelect(only ? [] : [name]);
    }
  }

  private render(): void {
    const now = this.o.now();
    this.chips.replaceChildren(
      ...this.selected.map((n) => {
        const x = h('button', {
          class: 'chip',
          text: `${n} ×`,
          title: `Stop filtering on ${n}`,
          attrs: { type: 'button' },
        });
        x.addEventListener('click', () => this.o.onSelect(this.selected.filter((s) => s !== n)));
        return x;
      }),
    );
    const inView = shownContainers(this.list, {
      all: this.all,
      rangeStart: this.rangeStart,
      selected: this.selected,
    });
    const shown = this.filter
      ? inView.filter((c) =>
          `${c.containerName} ${c.containerId ?? ''} ${c.project ?? ''} ${c.service ?? ''}`
            .toLowerCase()
            .includes(this.filter),
        )
      : inView;
    const groups = groupByProject(shown).map((g) => {
      const key = g.project ?? '';
      const open = !this.collapsed.has(key);
      const head = h(
        'div',
        { class: 'grp-head', title: open ? 'Collapse' : 'Expand' },
        h('span', { class: 'caret', text: open ? '▾' : '▸' }),
        h('span', { class: 'grp-name', text: g.project ?? 'no project' }),
        h('span', { class: 'count', text: formatCount(g.total) }),
      );
      const items = open
        ? g.containers.map((c) => {
            const picked = this.selected.includes(c.containerName);
            const box = h('input', {
              attrs: { type: 'checkbox', 'aria-label': `Add ${c.containerName}` },
            });
            box.checked = picked;
            const seen = c.lastSeen ? Date.parse(c.lastSeen) : NaN;
            const badge = stateBadge(c, now);
            const who = c.named
              ? `${c.containerName}${c.service ? ` (service ${c.service})` : ''}`
              : `${c.dockerName ? `${c.dockerName}: ` : ''}known only by its id ${c.containerId ?? c.containerName}`;
            const el = h(
              'div',
              {
                class: `ctr${picked ? ' picked' : ''}${c.named ? '' : ' anon'}`,
                title: `${who}\n${formatInt(c.count)} lines${
                  Number.isNaN(seen) ? '' : `\nlast seen ${new Date(seen).toISOString()}`
                }${badge ? `\n${badge.title}` : ''}\nclick: only this one · checkbox or Ctrl-click: add to the view`,
              },
              box,
              h('span', { class: `dot c${colorSlot(c.containerName)}` }),
              h('span', {
                class: 'name',
                text: c.named ? c.containerName : (c.dockerName ?? c.containerName),
              }),
              badge ? h('span', { class: `badge ${badge.cls}`, text: badge.text }) : null,
              h('span', { class: 'count', text: formatCount(c.count) }),
              h('span', { class: 'age', text: Number.isNaN(seen) ? '' : ageText(seen, now) }),
            );
            el.dataset.name = c.containerName;
            return el;
          })
        : [];
      const g2 = h('div', { class: 'grp' }, head, ...items);
      g2.dataset.project = key;
      return g2;
    });
    if (groups.length === 0) {
      groups.push(
        h('div', {
          class: 'side-empty',
          text: this.list.length
            ? 'No container matches'
            : this.all
              ? 'No containers yet'
              : 'No container in this range ("all" shows every one)',
        }),
      );
    }
    this.body.replaceChildren(...groups);
  }
}
