/**
 * The containers side list as data: grouped by Docker Compose project, and turned into
 * a query when the user picks some (issue 5, point 3). Several picked containers merge
 * into one view with OR; the user's own query is ANDed after them in parentheses, and
 * the column of a syntax error is mapped back into the user's text.
 */
import { ageText } from './time.js';
import type { ContainerInfo } from './wire.js';

export interface ProjectGroup {
  /** null: containers started without Compose. */
  project: string | null;
  total: number;
  lastSeen: string | null;
  containers: ContainerInfo[];
}

function later(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return Date.parse(b) > Date.parse(a) ? b : a;
}

export function groupByProject(list: readonly ContainerInfo[]): ProjectGroup[] {
  const groups = new Map<string | null, ProjectGroup>();
  for (const c of list) {
    let g = groups.get(c.project);
    if (!g) {
      g = { project: c.project, total: 0, lastSeen: null, containers: [] };
      groups.set(c.project, g);
    }
    g.total += c.count;
    g.lastSeen = later(g.lastSeen, c.lastSeen);
    g.containers.push(c);
  }
  const out = [...groups.values()];
  for (const g of out) g.containers.sort((a, b) => a.containerName.localeCompare(b.containerName));
  // Named projects alphabetically, loose containers last.
  return out.sort((a, b) =>
    a.project === null ? 1 : b.project === null ? -1 : a.project.localeCompare(b.project),
  );
}

/** Docker names are [a-zA-Z0-9][a-zA-Z0-9_.-]*; anything else is quoted (lexer: \" and \\). */
export function containerTerm(name: string): string {
  if (/^[A-Za-z0-9_.-]+$/.test(name)) return `container:${name}`;
  return `container:"${name.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export interface EffectiveQuery {
  text: string;
  /** Characters before the user's query inside `text`. */
  offset: number;
}

export function effectiveQuery(q: string, containers: readonly string[]): EffectiveQuery {
  if (containers.length === 0) return { text: q, offset: 0 };
  const terms = containers.map(containerTerm).join(' OR ');
  const part = containers.length > 1 ? `(${terms})` : terms;
  if (q.trim() === '') return { text: part, offset: 0 };
  return { text: `${part} (${q})`, offset: part.length + 2 };
}

/**
 * A 1-based error column in the sent text as a column in the user's query, or null when
 * the error lies in the part the page added.
 */
export function userColumn(column: number, eq: EffectiveQuery, qLength: number): number | null {
  if (eq.offset === 0) return Math.min(column, qLength + 1);
  const c = column - eq.offset;
  if (c < 1) return null;
  return Math.min(c, qLength + 1);
}

/** Toggles one name in a selection, keeping the order picked. */
export function toggleName(selected: readonly string[], name: string): string[] {
  return selected.includes(name) ? selected.filter((n) => n !== name) : [...selected, name];
}

export interface StateBadge {
  text: string;
  /** st-running, st-exited, ...: the badge's colour. */
  cls: string;
  title: string;
}

/**
 * Docker's state of a container as a small badge (issue 18), or null when logharbor
 * cannot read the Docker socket (the fields are absent): `up`, `exited 3h`, `restarting`,
 * with `↻2` after it when Docker restarted it.
 */
export function stateBadge(c: ContainerInfo, now: number): StateBadge | null {
  if (c.state === null) return null;
  const started = c.startedAt ? Date.parse(c.startedAt) : NaN;
  const finished = c.finishedAt ? Date.parse(c.finishedAt) : NaN;
  let text: string = c.state;
  const title: string[] = [c.state];
  if (c.state === 'running') {
    text = 'up';
    if (!Number.isNaN(started)) title.push(`since ${new Date(started).toISOString()}`);
  } else if ((c.state === 'exited' || c.state === 'dead') && !Number.isNaN(finished)) {
    text = `${c.state} ${ageText(finished, now)}`;
    title.push(`at ${new Date(finished).toISOString()}`);
  }
  if (c.restarts !== null && c.restarts > 0) {
    text += ` ↻${c.restarts}`;
    title.push(`restarted ${c.restarts} time${c.restarts === 1 ? '' : 's'}`);
  }
  return { text, cls: `st-${c.state}`, title: title.join(' · ') };
}

/**
 * The containers the side list shows: with `all`, every one the API sent; otherwise the
 * API's choice for the range (seen in it, or still known to the Docker engine), checked
 * again here for an API that ignores `from`: a container not seen since the range began
 * and unknown to the engine (no state) is long gone. Picked ones always show.
 */
export function shownContainers(
  list: readonly ContainerInfo[],
  o: { all: boolean; rangeStart: number | null; selected: readonly string[] },
): ContainerInfo[] {
  if (o.all || o.rangeStart === null) return [...list];
  const start = o.rangeStart;
  return list.filter((c) => {
    if (o.selected.includes(c.containerName) || c.state !== null) return true;
    const seen = c.lastSeen ? Date.parse(c.lastSeen) : NaN;
    return Number.isNaN(seen) || seen >= start;
  });
}
