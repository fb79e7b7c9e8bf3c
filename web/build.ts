/**
 * Builds the viewer into web/dist/ (web/bundle.ts), prints each file's size raw and
 * gzipped, and writes the figures in the README's prose that come from the build and
 * from constants (scripts/readme-figures.ts), so they never drift from what ships.
 *
 *   npx tsx web/build.ts
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { constantFigures, webFigures, withFigures } from '../scripts/readme-figures.js';
import { bundleWeb, WEB } from './bundle.js';

const bundle = await bundleWeb({ write: true });
const rows = bundle.files.map(
  (f) =>
    `${f.name.padEnd(14)} ${String(f.bytes).padStart(8)} B  ${String(f.gzip).padStart(7)} B gzip`,
);
console.log(rows.join('\n'));
const { bytes, gzip } = bundle.firstLoad;
console.log(
  `${'first load'.padEnd(14)} ${String(bytes).padStart(8)} B  ${String(gzip).padStart(7)} B gzip (without the .map)`,
);

// Only when a figure changed: an unchanged README keeps its mtime.
const readmePath = path.join(WEB, '..', 'README.md');
const readme = await readFile(readmePath, 'utf8');
const next = withFigures(readme, { ...constantFigures(), ...webFigures(bundle) });
if (next !== readme) await writeFile(readmePath, next);
