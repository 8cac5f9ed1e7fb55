/**
 * Checks that a job's `script` can start at all: a path it names exists and is executable, an
 * `npm start` / `npm run X` finds its script. Anything else a shell runs is left to the shell.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { closest } from './suggest.js';

const NPM_RUN = new Set(['run', 'run-script', 'rum', 'urn']);
/** npm commands that run the script of the same name. */
const NPM_LIFECYCLE = new Set(['start', 'test', 'stop']);

function pathProblem(script: string, command: string, packageDir: string): string | undefined {
  const path = resolve(packageDir, command);
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch {
    return `script "${script}": ${path} does not exist — expected an executable file in the package folder`;
  }
  if (!isFile) return `script "${script}": ${path} is not a file`;
  try {
    accessSync(path, constants.X_OK);
  } catch {
    return `script "${script}": ${path} is not executable — run chmod +x on it`;
  }
  return undefined;
}

function missingNpmScript(
  script: string,
  name: string,
  packageDir: string,
  scripts: Record<string, string> | undefined,
): string | undefined {
  if (scripts === undefined) {
    return `script "${script}": there is no package.json in ${packageDir} to find the npm script "${name}" in`;
  }
  if (Object.hasOwn(scripts, name)) return undefined;
  // npm's own default: `npm start` runs `node server.js` when there is no start script.
  if (name === 'start' && existsSync(join(packageDir, 'server.js'))) return undefined;
  const known = Object.keys(scripts);
  const guess = closest(name, known);
  const hint =
    guess !== undefined
      ? ` — did you mean "${guess}"?`
      : known.length > 0
        ? ` — it has: ${known.join(', ')}`
        : ' — it has no scripts';
  return `script "${script}": ${join(packageDir, 'package.json')} has no "${name}" script${hint}`;
}

/**
 * What keeps `script` from starting, in words, or undefined when nothing can be seen.
 * @param scripts the package.json scripts; undefined when there is no package.json.
 */
export function scriptProblem(
  script: string,
  packageDir: string,
  scripts: Record<string, string> | undefined,
): string | undefined {
  const [command = '', ...args] = script.trim().split(/\s+/);
  if (command.startsWith('./') || command.startsWith('../') || command.startsWith('/')) {
    return pathProblem(script, command, packageDir);
  }
  if (command !== 'npm') return undefined;
  const [sub, ...rest] = args;
  if (sub !== undefined && NPM_LIFECYCLE.has(sub)) return missingNpmScript(script, sub, packageDir, scripts);
  if (sub !== undefined && NPM_RUN.has(sub)) {
    const name = rest.find((arg) => !arg.startsWith('-'));
    if (name === undefined || /^[;&|]/.test(name)) {
      return `script "${script}" names no npm script — expected "npm ${sub} <script>"`;
    }
    return missingNpmScript(script, name, packageDir, scripts);
  }
  return undefined;
}
