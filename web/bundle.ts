/**
 * The viewer's bundle, built one way for the build and for the README's figures: web/src/
 * main.ts bundled by esbuild (minified, ES2020, source map) to app.js, plus the static
 * files beside it, with each file's size raw and gzipped (issue 5: "first load transfers
 * little"). In memory for a test (`write: false`), or into web/dist/.
 */
import { build } from 'esbuild';
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export const WEB = path.dirname(fileURLToPath(import.meta.url));
export const DIST = path.join(WEB, 'dist');
const STATIC = ['index.html', 'styles.css', 'favicon.svg'];

export interface BuiltFile {
  name: string;
  bytes: number;
  /** gzip -9 size. */
  gzip: number;
}

export interface Bundle {
  files: BuiltFile[];
  /** What a browser loads: every file but the source map. */
  firstLoad: { bytes: number; gzip: number };
}

export async function bundleWeb(opts: { write: boolean }): Promise<Bundle> {
  if (opts.write) {
    await rm(DIST, { recursive: true, force: true });
    await mkdir(DIST, { recursive: true });
  }
  const result = await build({
    entryPoints: [path.join(WEB, 'src', 'main.ts')],
    outfile: path.join(DIST, 'app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    sourcemap: true,
    legalComments: 'none',
    logLevel: 'warning',
    write: opts.write,
  });
  const contents = new Map<string, Uint8Array>();
  if (opts.write) {
    for (const f of STATIC) await copyFile(path.join(WEB, f), path.join(DIST, f));
    for (const f of ['app.js', 'app.js.map', ...STATIC])
      contents.set(f, await readFile(path.join(DIST, f)));
  } else {
    for (const o of result.outputFiles ?? []) contents.set(path.basename(o.path), o.contents);
    for (const f of STATIC) contents.set(f, await readFile(path.join(WEB, f)));
  }
  const files = [...contents.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, b]) => ({ name, bytes: b.length, gzip: gzipSync(b, { level: 9 }).length }));
  const loaded = files.filter((f) => !f.name.endsWith('.map'));
  return {
    files,
    firstLoad: {
      bytes: loaded.reduce((n, f) => n + f.bytes, 0),
      gzip: loaded.reduce((n, f) => n + f.gzip, 0),
    },
  };
}
