/**
 * Which of the engine's containers a row of the container list is. By id when the row
 * has one (its first 12 hex digits, Docker's short id, then the whole of what the row
 * holds): a re-created container keeps its name but not its id, and the row's id is the
 * one its records carry. By name only for a row without an id (the syslog driver with a
 * `{{.Name}}` tag).
 */
import type { DockerContainer } from './state.js';

export interface ContainerKey {
  container_name: string | null;
  container_id: string | null;
}

export class DockerIndex {
  private readonly byShort = new Map<string, DockerContainer>();
  private readonly byName = new Map<string, DockerContainer>();

  constructor(containers: readonly DockerContainer[]) {
    for (const c of containers) {
      this.byShort.set(c.id.slice(0, 12), c);
      if (c.name !== null) this.byName.set(c.name, c);
    }
  }

  find(row: ContainerKey): DockerContainer | null {
    const id = row.container_id;
    if (id !== null) {
      const c = this.byShort.get(id.slice(0, 12));
      return c && id.length >= 12 && c.id.startsWith(id) ? c : null;
    }
    return row.container_name === null ? null : (this.byName.get(row.container_name) ?? null);
  }
}
