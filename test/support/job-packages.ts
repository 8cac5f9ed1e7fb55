/** Writes job packages (package.json, timecloud.json, executable scripts) into a jobs folder for tests. */
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export interface JobPackageFiles {
  /** Written as JSON; `null` writes no package.json. @defaultValue `{ name: <folder> }` */
  packageJson?: Record<string, unknown> | null;
  /** An object is written as JSON, a string as is; `undefined` writes no timecloud.json. */
  timecloud?: Record<string, unknown> | string;
  /** Executable files by relative path, e.g. `{ 'bin/start': '#!/bin/sh\nexit 0\n' }`. */
  executables?: Record<string, string>;
}

/** A valid job entry; override fields as a test needs. */
export function job(name: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { name, script: 'true', maintainer: 'ops', timeout: 5000, schedule: '0 */5 * * * *', ...overrides };
}

/** Creates or overwrites `<jobsDir>/<folder>` with the given files; returns the folder path. */
export async function writeJobPackage(jobsDir: string, folder: string, files: JobPackageFiles): Promise<string> {
  const dir = join(jobsDir, folder);
  await mkdir(dir, { recursive: true });
  if (files.packageJson !== null) {
    await writeFile(join(dir, 'package.json'), JSON.stringify(files.packageJson ?? { name: folder }, null, 2));
  }
  // Scripts first, then the file that names them, as a deploy would: a watcher that sees the
  // new timecloud.json finds its scripts ready.
  for (const [path, content] of Object.entries(files.executables ?? {})) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
    await chmod(join(dir, path), 0o755);
  }
  if (files.timecloud !== undefined) {
    const text = typeof files.timecloud === 'string' ? files.timecloud : JSON.stringify(files.timecloud, null, 2);
    await writeTimecloud(dir, text);
  }
  return dir;
}

/** Replaces a package's timecloud.json the way editors do: write a temporary file, then rename. */
export async function writeTimecloud(packageDir: string, content: string | Record<string, unknown>): Promise<void> {
  const text = typeof content === 'string' ? content : JSON.stringify(content, null, 2);
  const temporary = join(packageDir, `.timecloud.json.${process.pid}.tmp`);
  await writeFile(temporary, text);
  await rename(temporary, join(packageDir, 'timecloud.json'));
}

export async function removePath(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}
