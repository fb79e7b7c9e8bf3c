/**
 * Which files an import takes (cli/import/discover.ts) from folders laid out as Docker
 * lays them out (moby container/container.go, loggerutils/logfile.go), and the state file
 * (cli/import/state.ts): its lock between two imports, a killed import's lock taken over,
 * and a state that is not one refused rather than overwritten.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { runImport } from '../../../cli/import/command.js';
import { discover, mayGrow } from '../../../cli/import/discover.js';
import { ImportState } from '../../../cli/import/state.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const tmp: string[] = [];
afterAll(() => tmp.forEach((d) => rmSync(d, { recursive: true, force: true })));
const newDir = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'lh-discover-'));
  tmp.push(d);
  return d;
};
const line = `${JSON.stringify({ log: 'x\n', stream: 'stdout', time: '2026-12-07T14:18:13Z' })}\n`;

function container(root: string, id: string, config: object | null, files: string[]): string {
  const dir = path.join(root, 'containers', id);
  mkdirSync(dir, { recursive: true });
  if (config) writeFileSync(path.join(dir, 'config.v2.json'), JSON.stringify(config));
  for (const f of files) {
    const p = path.join(dir, f);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, f.endsWith('.gz') ? gzipSync(line) : line);
  }
  return dir;
}

describe('discover', () => {
  const root = newDir();
  container(
    root,
    A,
    {
      ID: A,
      Name: '/web',
      Config: { Labels: { 'com.docker.compose.project': 'shop', n: 1 }, Env: ['A=1'], Image: 'x' },
      State: { Running: true },
    },
    [
      `${A}-json.log`,
      `${A}-json.log.1`,
      `${A}-json.log.1.gz`, // compression under way: the plain one is read
      `${A}-json.log.2.gz`,
      `${A}-json.log.10.gz`,
      'container-cached.log', // dual logging's cache: not unless named
      'hostconfig.json',
    ],
  );
  container(root, B, { ID: B, Name: '/db', State: { Running: false } }, [
    'local-logs/container.log',
    'local-logs/container.log.1.gz',
  ]);
  container(root, 'not-a-container', null, ['something.log']);

  it('a data root: each container’s files by format, oldest first, with name, labels and env', async () => {
    const { sets, problems } = await discover([root]);
    expect(problems).toEqual([]);
    expect(
      sets.map((s) => [
        s.container.name,
        s.format,
        s.files.map((f) => path.basename(f.path)),
        s.container.running,
      ]),
    ).toEqual([
      ['/db', 'local', ['container.log.1.gz', 'container.log'], false],
      [
        '/web',
        'json-file',
        [`${A}-json.log.10.gz`, `${A}-json.log.2.gz`, `${A}-json.log.1`, `${A}-json.log`],
        true,
      ],
    ]);
    const web = sets[1]!;
    expect(web.container).toMatchObject({
      id: A,
      labels: { 'com.docker.compose.project': 'shop' },
      env: ['A=1'],
      image: 'x',
    });
    // Only the newest file of a container that may still write can grow.
    expect(web.files.map((_, i) => mayGrow(web, i))).toEqual([false, false, false, true]);
    expect(sets[0]!.files.map((_, i) => mayGrow(sets[0]!, i))).toEqual([false, false]);
    expect(web.files[0]!.estimate).toBe(line.length); // a gzip file's size from its trailer
  });

  it('the containers folder, one container folder and one file give the same sets', async () => {
    const all = await discover([root]);
    expect((await discover([path.join(root, 'containers')])).sets).toEqual(all.sets);
    expect((await discover([path.join(root, 'containers', A)])).sets).toEqual([all.sets[1]]);
    const one = await discover([path.join(root, 'containers', A, `${A}-json.log.2.gz`)]);
    expect(one.sets.map((s) => [s.container.name, s.files.map((f) => f.rotation)])).toEqual([
      ['/web', [2]],
    ]);
  });

  it('a copied log without its config is known by the id in its name; otherwise it is reported', async () => {
    const d = newDir();
    writeFileSync(path.join(d, `${A}-json.log.3`), line);
    writeFileSync(path.join(d, 'app.log'), line);
    const r = await discover([path.join(d, `${A}-json.log.3`), path.join(d, 'app.log')]);
    expect(r.sets.map((s) => [s.container.id, s.container.name, s.files[0]!.rotation])).toEqual([
      [A, null, 3],
    ]);
    expect(r.problems).toEqual([expect.stringMatching(/app\.log: cannot tell which container/)]);
    expect((await discover([path.join(d, 'missing')])).problems).toEqual([
      expect.stringMatching(/missing: ENOENT/),
    ]);
  });
});

describe('an import with nothing to import', () => {
  const io = {
    out: () => {},
    err: { write: () => true },
    env: {},
    signal: new AbortController().signal,
  };
  it('fails, saying why (a path with no logs, a container not there), before connecting', async () => {
    const empty = newDir();
    await expect(runImport([empty], { state: false }, io)).rejects.toThrow(
      `no Docker log files found in ${empty}: ${empty}: no Docker container folders in it`,
    );
    const root = newDir();
    container(root, A, { ID: A, Name: '/web' }, [`${A}-json.log`]);
    // Port 1: had it tried to connect, the error would be another one.
    await expect(
      runImport([root], { state: false, container: ['api'], forward: '127.0.0.1:1' }, io),
    ).rejects.toThrow(`no container named api in ${root}`);
  });
});

describe('import state', () => {
  it('is written whole and read back; a second import on the same state is refused while the first runs', () => {
    const file = path.join(newDir(), 'deep', 'import.json');
    const s = new ImportState(file);
    s.open();
    s.set('k', { offset: 10, open: {}, complete: false, path: '/x' });
    s.save();
    expect(() => new ImportState(file).open()).toThrow(/another import \(pid \d+\) is using/);
    s.close();
    const again = new ImportState(file);
    again.open();
    expect(again.get('k')).toMatchObject({ offset: 10, path: '/x' });
    again.close();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ version: 1 });
  });

  it('takes over the lock of an import that was killed', () => {
    const file = path.join(newDir(), 'import.json');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    writeFileSync(`${file}.lock`, `${dead.stdout.toString()}\n`);
    const s = new ImportState(file);
    expect(() => s.open()).not.toThrow();
    expect(readFileSync(`${file}.lock`, 'utf8')).toBe(`${process.pid}\n`);
    s.close();
  });

  it('refuses a file that is not an import state instead of overwriting it', () => {
    const file = path.join(newDir(), 'import.json');
    writeFileSync(file, '{"something":"else"}');
    expect(() => new ImportState(file).open()).toThrow(/not an import state/);
    expect(readFileSync(file, 'utf8')).toBe('{"something":"else"}');
  });
});
