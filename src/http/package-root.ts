/** Where timecloud is installed: its version, and the built dashboard next to it. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface PackageRoot {
  dir: string;
  version: string;
}

let found: PackageRoot | undefined;

/** The nearest folder above this module with timecloud's package.json (from `src/` and from `dist/`). */
export function packageRoot(): PackageRoot {
  if (found) return found;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'timecloud') return (found = { dir, version: pkg.version ?? '0.0.0' });
    }
    const parent = dirname(dir);
    if (parent === dir) return (found = { dir: process.cwd(), version: '0.0.0' });
    dir = parent;
  }
}
