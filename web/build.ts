/**
 * Builds the viewer: web/src/main.ts bundled by esbuild (minified, ES2020, source map)
 * to web/dist/app.js, plus the static files beside it. Prints each file's size raw and
 * gzipped (issue 5: "first load transfers little").
 *
 *   npx tsx web/build.ts
 */
import { build } from 'esbuild';
import { copyFile, mkdir, readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const web = path.dirname(fileURLToPath(import.meta.url));
const dist = path.join(web, 'dist');
const STATIC = ['index.html', 'styles.css', 'favicon.svg'];

await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });

await build({
  entryPoints: [path.join(web, 'src', 'main.ts')],
  outfile: path.join(dist, 'app.js'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2020',
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
});

for (const f of STATIC) await copyFile(path.join(web, f), path.join(dist, f));

let raw = 0;
let gz = 0;
const rows: string[] = [];
for (const f of (await readdir(dist)).sort()) {
  const bytes = await readFile(path.join(dist, f));
  const z = gzipSync(bytes, { level: 9 }).length;
  if (!f.endsWith('.map')) {
    raw += bytes.length;
    gz += z;
  }
  rows.push(
    `${f.padEnd(14)} ${String(bytes.length).padStart(8)} B  ${String(z).padStart(7)} B gzip`,
  );
}
console.log(rows.join('\n'));
console.log(
  `${'first load'.padEnd(14)} ${String(raw).padStart(8)} B  ${String(gz).padStart(7)} B gzip (without the .map)`,
);
