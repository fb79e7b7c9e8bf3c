/**
 * Writes the README's configuration table and error-code table from their single
 * definitions (core/config.ts, core/errors.ts). `npm run docs:config` rewrites the
 * README sections between the markers; a test checks that the README matches.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { SETTINGS } from '../core/config.js';
import { Errors } from '../core/errors.js';

export function configTable(): string {
  const rows = SETTINGS.map((s) => {
    const def = s.default === '' ? 'unset' : `\`${s.default}\``;
    const file = s.kind === 'secret' ? ' Also `' + s.env + '_FILE`.' : '';
    return `| \`${s.env}\` | ${def} | ${s.doc}${file} |`;
  });
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

export function errorTable(): string {
  const rows = Object.values(Errors).map((e) => `| \`${e.code}\` | ${e.status} | ${e.message} |`);
  return ['| code | HTTP status | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

function replaceSection(readme: string, name: string, body: string): string {
  const begin = `<!-- ${name}:begin -->`;
  const end = `<!-- ${name}:end -->`;
  const start = readme.indexOf(begin);
  const stop = readme.indexOf(end);
  if (start < 0 || stop < start) throw new Error(`README.md lacks the ${begin} / ${end} markers`);
  return `${readme.slice(0, start + begin.length)}\n${body}\n${readme.slice(stop)}`;
}

/** The README with both generated sections brought up to date. */
export function withTables(readme: string): string {
  return replaceSection(
    replaceSection(readme, 'config-table', configTable()),
    'error-codes',
    errorTable(),
  );
}

if (process.argv[1]?.endsWith('config-table.ts')) {
  const path = new URL('../README.md', import.meta.url);
  writeFileSync(path, withTables(readFileSync(path, 'utf8')));
}
