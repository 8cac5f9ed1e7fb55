/** Reads what the scheduler needs from a package folder's package.json: its name and scripts. */
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface PackageInfo {
  /** package.json `name`, or the folder name (`@scope/pkg` for a folder inside `@scope`). */
  name: string;
  /** package.json `scripts`, or undefined when there is no readable package.json. */
  scripts: Record<string, string> | undefined;
  /** Set when package.json exists but cannot be used; the package's jobs are then rejected. */
  problem?: string;
}

/** The folder name, with its `@scope/` when the folder sits in a scope folder. */
export function folderPackageName(dir: string): string {
  const parent = basename(dirname(dir));
  return parent.startsWith('@') ? `${parent}/${basename(dir)}` : basename(dir);
}

export function readPackageInfo(dir: string): PackageInfo {
  const file = join(dir, 'package.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { name: folderPackageName(dir), scripts: undefined };
    return { name: folderPackageName(dir), scripts: undefined, problem: `${file} cannot be read: ${(error as Error).message}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { name: folderPackageName(dir), scripts: undefined, problem: `${file} is not valid JSON: ${(error as Error).message}` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { name: folderPackageName(dir), scripts: undefined, problem: `${file} is not a JSON object` };
  }
  const { name, scripts } = json as { name?: unknown; scripts?: unknown };
  if (name !== undefined && (typeof name !== 'string' || name.trim() === '')) {
    return {
      name: folderPackageName(dir),
      scripts: undefined,
      problem: `${file}: "name" must be a non-empty string, got ${JSON.stringify(name)}`,
    };
  }
  const scriptTable: Record<string, string> = {};
  if (typeof scripts === 'object' && scripts !== null) {
    for (const [key, value] of Object.entries(scripts)) if (typeof value === 'string') scriptTable[key] = value;
  }
  return { name: name ?? folderPackageName(dir), scripts: scriptTable };
}
