/**
 * docker-compose.yml: our structural rules (compose-rules.ts) always, each shown to fire
 * on a file that breaks it; and Compose's own validation (`config -q`) where
 * docker-compose 1.29 (Debian) or the `docker compose` plugin is installed (.ci/run
 * installs the former; without either it skips, or fails on CI), on a copy with the
 * example secret files in place.
 */
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { missing, runProgram, which } from '../../../dev/programs.js';
import { unavailable } from '../../support/skip.js';
import { lintCompose, parseCompose } from './compose-rules.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const text = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
const doc = parseCompose(text);

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
/** A deep copy changed by `edit`, and the rules that then fire. */
function rulesAfter(edit: (d: Obj) => void): string[] {
  const copy = structuredClone(doc) as Obj;
  edit(copy);
  return [...new Set(lintCompose(copy).map((v) => v.rule))];
}

describe('our docker-compose.yml', () => {
  it('passes every rule', () => {
    expect(lintCompose(doc)).toEqual([]);
  });

  it('has an example secret file for every secret it uses', () => {
    const examples = readdirSync(path.join(root, 'deploy/secrets')).filter((f) =>
      f.endsWith('.example'),
    );
    const files = Object.values(doc.secrets as Obj).map((s) => path.basename(s.file));
    expect(examples.sort()).toEqual(files.map((f) => `${f}.example`).sort());
  });

  it('database_url.example points at the postgres service with its example password', () => {
    const secrets = path.join(root, 'deploy/secrets');
    const url = new URL(readFileSync(path.join(secrets, 'database_url.example'), 'utf8'));
    const pw = readFileSync(path.join(secrets, 'postgres_password.example'), 'utf8');
    const pg = (doc.services as Obj).postgres.environment as Obj;
    expect([url.hostname, url.username, url.password, url.pathname]).toEqual([
      'postgres',
      pg.POSTGRES_USER,
      pw,
      `/${pg.POSTGRES_DB}`,
    ]);
  });
});

describe('the rules fire on what they forbid', () => {
  it('no-links', () => {
    expect(rulesAfter((d) => (d.services.api.links = ['postgres']))).toEqual(['no-links']);
  });

  it('network: a service off the user network, or on the host network', () => {
    expect(rulesAfter((d) => delete d.services.api.networks)).toEqual(['network']);
    expect(rulesAfter((d) => (d.services.api.network_mode = 'host'))).toEqual(['network']);
    expect(rulesAfter((d) => (d.networks.logharbor = { external: true }))).toEqual(['network']);
  });

  it('secrets: not from a file, undefined, or a _FILE path that is not mounted', () => {
    expect(rulesAfter((d) => (d.secrets.api_token = { external: true }))).toEqual(['secrets']);
    expect(rulesAfter((d) => d.services.api.secrets.push('nope'))).toEqual(['secrets']);
    expect(
      rulesAfter((d) => (d.services.api.secrets = d.services.api.secrets.slice(0, 1))),
    ).toEqual(['secrets']);
  });

  it('plaintext: a secret setting by value, or a password inside a URL', () => {
    expect(rulesAfter((d) => (d.services.api.environment.LOGHARBOR_API_TOKEN = 'x'))).toEqual([
      'plaintext',
    ]);
    expect(rulesAfter((d) => (d.services.postgres.environment.POSTGRES_PASSWORD = 'x'))).toEqual([
      'plaintext',
    ]);
    expect(
      rulesAfter(
        (d) => (d.services.collector.environment = ['MY_URL=postgres://u:secret@postgres/db']),
      ),
    ).toEqual(['plaintext']);
  });

  it('limits: cpus or memory missing', () => {
    expect(rulesAfter((d) => delete d.services.postgres.deploy)).toEqual(['limits']);
    expect(rulesAfter((d) => delete d.services.api.deploy.resources.limits.memory)).toEqual([
      'limits',
    ]);
  });

  it('app-logging: an option missing, off or not recommended, or no fluentd app at all', () => {
    for (const opt of ['fluentd-address', 'fluentd-sub-second-precision', 'labels']) {
      expect(rulesAfter((d) => delete d.services['example-app'].logging.options[opt])).toEqual([
        'app-logging',
      ]);
    }
    for (const opt of ['fluentd-request-ack', 'fluentd-async']) {
      expect(rulesAfter((d) => (d.services['example-app'].logging.options[opt] = 'true'))).toEqual([
        'app-logging',
      ]);
    }
    expect(
      rulesAfter(
        (d) => (d.services['example-app'].logging.options.labels = 'com.docker.compose.service'),
      ),
    ).toEqual(['app-logging']);
    expect(rulesAfter((d) => (d.services['example-app'].logging = { driver: 'local' }))).toEqual([
      'app-logging',
    ]);
  });

  it('roles: postgres image or volume, commands, one image, published ports', () => {
    expect(rulesAfter((d) => (d.services.postgres.image = 'postgres:latest'))).toEqual(['roles']);
    expect(
      rulesAfter((d) => (d.services.postgres.volumes = ['/srv/pg:/var/lib/postgresql/data'])),
    ).toEqual(['roles']);
    expect(rulesAfter((d) => (d.services.api.command = ['serve']))).toEqual(['roles']);
    expect(rulesAfter((d) => (d.services.api.image = 'other:1'))).toEqual(['roles']);
    expect(
      rulesAfter(
        (d) =>
          (d.services.collector.ports = d.services.collector.ports.filter(
            (p: string) => p !== '127.0.0.1:5514:5514/udp',
          )),
      ),
    ).toEqual(['roles']);
  });
});

/** docker-compose 1.29 (Debian) first, else the Compose v2 plugin. */
async function composeCommand(): Promise<string[] | null> {
  const v1 = which('docker-compose');
  if (v1) return [v1];
  const docker = which('docker');
  if (docker && (await runProgram(docker, ['compose', 'version'])).code === 0)
    return [docker, 'compose'];
  return null;
}

const compose = await composeCommand();
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** The compose file in a temporary project directory with the example secrets. */
function project(composeText: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'lh-compose-'));
  dirs.push(dir);
  writeFileSync(path.join(dir, 'docker-compose.yml'), composeText);
  mkdirSync(path.join(dir, 'deploy/secrets'), { recursive: true });
  for (const f of readdirSync(path.join(root, 'deploy/secrets')).filter((f) =>
    f.endsWith('.example'),
  ))
    copyFileSync(
      path.join(root, 'deploy/secrets', f),
      path.join(dir, 'deploy/secrets', f.replace(/\.example$/, '')),
    );
  return dir;
}

async function configCheck(composeText: string) {
  const dir = project(composeText);
  return runProgram(
    compose![0]!,
    [...compose!.slice(1), '-f', path.join(dir, 'docker-compose.yml'), 'config', '-q'],
    {
      env: { ...process.env, COMPOSE_PROJECT_NAME: 'lhtest' },
    },
  );
}

const noCompose = compose ? null : `${missing('docker-compose')}; nor is \`docker compose\``;
describe.skipIf(unavailable('Compose validation', noCompose))('Compose validates it', () => {
  it('config -q accepts the file', async () => {
    const r = await configCheck(text);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('config -q rejects a broken copy (so the check above can fail)', async () => {
    const r = await configCheck(
      text.replace('condition: service_healthy', 'condition: service_bogus'),
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/service_bogus|condition/);
  });
});
