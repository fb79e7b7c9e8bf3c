import { describe, expect, it } from 'vitest';
import {
  containerTerm,
  effectiveQuery,
  groupByProject,
  shownContainers,
  stateBadge,
  toggleName,
  userColumn,
} from '../../../web/src/containers.js';
import type { ContainerInfo } from '../../../web/src/wire.js';

const c = (
  containerName: string,
  project: string | null,
  count: number,
  lastSeen: string | null,
): ContainerInfo => ({
  containerName,
  named: true,
  dockerName: null,
  containerId: null,
  project,
  service: null,
  count,
  lastSeen,
  state: null,
  restarts: null,
  startedAt: null,
  finishedAt: null,
});

describe('groupByProject', () => {
  it('groups by project, sums counts, keeps the latest last-seen, loose containers last', () => {
    const g = groupByProject([
      c('watchtower', null, 3, '2024-01-01T00:00:00Z'),
      c('shop-web-1', 'shop', 10, '2024-01-01T00:00:05Z'),
      c('billing-1', 'billing', 1, null),
      c('shop-api-1', 'shop', 5, '2024-01-01T00:00:09Z'),
    ]);
    expect(g.map((x) => x.project)).toEqual(['billing', 'shop', null]);
    expect(g[1]).toMatchObject({ total: 15, lastSeen: '2024-01-01T00:00:09Z' });
    expect(g[1]!.containers.map((x) => x.containerName)).toEqual(['shop-api-1', 'shop-web-1']);
    expect(g[0]!.lastSeen).toBeNull();
  });
});

describe('queries from picked containers', () => {
  it('Docker names stay bare, anything else is quoted with the lexer escapes', () => {
    expect(containerTerm('shop-web-1')).toBe('container:shop-web-1');
    expect(containerTerm('odd name')).toBe('container:"odd name"');
    expect(containerTerm('a"b\\c')).toBe('container:"a\\"b\\\\c"');
  });

  it('no container: the query as typed', () => {
    expect(effectiveQuery('a OR b', [])).toEqual({ text: 'a OR b', offset: 0 });
  });

  it('one container ANDed with the query in parentheses, so OR in it stays inside', () => {
    expect(effectiveQuery('a OR b', ['web'])).toEqual({
      text: 'container:web (a OR b)',
      offset: 15,
    });
  });

  it('several containers merge with OR', () => {
    expect(effectiveQuery('', ['web', 'api'])).toEqual({
      text: '(container:web OR container:api)',
      offset: 0,
    });
    expect(effectiveQuery('x', ['web', 'api']).text).toBe('(container:web OR container:api) (x)');
  });

  it('maps an error column in the sent text back into the typed query', () => {
    const q = 'a ) b';
    const eq = effectiveQuery(q, ['web']);
    const sentColumn = eq.text.indexOf(')') + 1;
    expect(userColumn(sentColumn, eq, q.length)).toBe(3);
    // "missing )" at the very end of the sent text points just past the typed text.
    expect(userColumn(eq.text.length + 1, eq, q.length)).toBe(q.length + 1);
    expect(userColumn(2, eq, q.length)).toBeNull();
    expect(userColumn(4, effectiveQuery(q, []), q.length)).toBe(4);
  });

  it('toggleName adds at the end and removes in place', () => {
    expect(toggleName(['a', 'b'], 'c')).toEqual(['a', 'b', 'c']);
    expect(toggleName(['a', 'b', 'c'], 'b')).toEqual(['a', 'c']);
  });
});

describe('Docker state in the side list (issue 18)', () => {
  const NOW = Date.UTC(2024, 0, 1, 12);
  const base = c('web', null, 1, null);

  it('a badge per state, with its age and restarts; none without the Docker socket', () => {
    expect(stateBadge(base, NOW)).toBeNull();
    expect(
      stateBadge(
        { ...base, state: 'running', startedAt: '2024-01-01T11:00:00Z', restarts: 0 },
        NOW,
      ),
    ).toEqual({ text: 'up', cls: 'st-running', title: 'running · since 2024-01-01T11:00:00.000Z' });
    expect(
      stateBadge(
        { ...base, state: 'exited', finishedAt: '2024-01-01T09:00:00Z', restarts: 2 },
        NOW,
      ),
    ).toEqual({
      text: 'exited 3h ↻2',
      cls: 'st-exited',
      title: 'exited · at 2024-01-01T09:00:00.000Z · restarted 2 times',
    });
    expect(stateBadge({ ...base, state: 'restarting' }, NOW)?.text).toBe('restarting');
  });

  it('the range hides the long gone, unless picked or "all" is on', () => {
    const list = [
      c('now', null, 1, '2024-01-01T11:59:00Z'),
      c('gone', null, 1, '2023-12-01T00:00:00Z'),
      c('never', null, 0, null),
    ];
    const start = NOW - 3_600_000;
    const names = (x: ContainerInfo[]) => x.map((y) => y.containerName);
    expect(names(shownContainers(list, { all: false, rangeStart: start, selected: [] }))).toEqual([
      'now',
      'never',
    ]);
    expect(
      names(shownContainers(list, { all: false, rangeStart: start, selected: ['gone'] })),
    ).toEqual(['now', 'gone', 'never']);
    expect(names(shownContainers(list, { all: true, rangeStart: start, selected: [] }))).toEqual([
      'now',
      'gone',
      'never',
    ]);
  });
});
