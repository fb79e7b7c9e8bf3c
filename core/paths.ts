/**
 * Files that ship beside the code (migrations/, web/dist/) are found from the package
 * root, which is the same whether this runs from TypeScript sources or from dist/.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json')) || !existsSync(path.join(dir, 'migrations'))) {
    const up = path.dirname(dir);
    if (up === dir)
      throw new Error('logharbor: cannot find the package root (package.json beside migrations/)');
    dir = up;
  }
  return dir;
}

export const PACKAGE_ROOT = findRoot();
export const MIGRATIONS_DIR = path.join(PACKAGE_ROOT, 'migrations');
export const WEB_DIST_DIR = path.join(PACKAGE_ROOT, 'web', 'dist');
