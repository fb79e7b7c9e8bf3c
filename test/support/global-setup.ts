/**
 * One real PostgreSQL for the whole test run: DATABASE_URL when given (CI may point at
 * a system server), otherwise an embedded server in a temporary directory. Each test
 * file makes its own database from it (see test/support/db.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbedded, type EmbeddedServer } from '../../core/db/embedded.js';

let server: EmbeddedServer | undefined;
let dir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  let url = process.env.LOGHARBOR_TEST_DATABASE_URL;
  if (!url) {
    dir = await mkdtemp(path.join(tmpdir(), 'logharbor-test-pg-'));
    server = await startEmbedded({
      dataDir: dir,
      settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off' },
    });
    url = server.url;
  }
  project.provide('adminDatabaseUrl', url);
}

export async function teardown(): Promise<void> {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
  }
}
