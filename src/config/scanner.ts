/**
 * Finds and reads every `timecloud.json` of a jobs folder: one per package folder directly
 * under it (`<jobs>/<pkg>` and `<jobs>/@scope/<pkg>`). Reads only: it never renames, moves or
 * deletes anything, and never looks inside `node_modules` or dot folders.
 */
import { createHash } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type { JobSpec } from '../domain/job-spec.js';
import { parseJobFile, type ParsedJobFile, type ParseJobFileInput, type Rejection } from './job-file.js';
import { readPackageInfo } from './package-info.js';
import { scriptProblem } from './script-check.js';

export const JOB_FILE_NAME = 'timecloud.json';

/** What one package's `timecloud.json` yielded. */
export interface FileScan {
  /** Absolute path of the `timecloud.json`. */
  file: string;
  packageDir: string;
  packageName: string;
  /** Accepted jobs (after the cross-package duplicate check). */
  jobs: JobSpec[];
  /** For each accepted job, its index in the file's `jobs` array. */
  jobIndexes: number[];
  rejections: Rejection[];
  /** False when the file as a whole could not be read (bad JSON, unreadable package.json…). */
  fileOk: boolean;
}

export interface JobsFolderScan {
  jobs: Map<string, JobSpec>;
  rejections: Rejection[];
  /** One entry per `timecloud.json` found, in path order. */
  files: FileScan[];
  /** Set when the jobs folder itself is missing or not a folder; then nothing was found. */
  folderProblem?: string;
}

export interface ScanOptions {
  /**
   * Which file currently owns a job id. When two packages define the same id, the owner keeps
   * it (so a new package cannot take over a running job); otherwise the first path wins.
   */
  owners?: ReadonlyMap<string, string>;
}

function skipped(name: string): boolean {
  return name === 'node_modules' || name.startsWith('.');
}

async function isDirectory(path: string, entry: Dirent): Promise<boolean> {
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink()) return false;
  // A linked package (npm link, a deploy symlink) counts as a package folder.
  return stat(path).then(
    (stats) => stats.isDirectory(),
    () => false,
  );
}

async function subfolders(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => [] as Dirent[]);
  const folders: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (!skipped(entry.name) && (await isDirectory(path, entry))) folders.push(path);
  }
  return folders.sort();
}

/** Package folders directly under `jobsDir`, scoped ones (`@scope/pkg`) included, sorted. */
export async function findPackageDirs(jobsDir: string): Promise<string[]> {
  const packages: string[] = [];
  for (const folder of await subfolders(jobsDir)) {
    if (basename(folder).startsWith('@')) packages.push(...(await subfolders(folder)));
    else packages.push(folder);
  }
  return packages;
}

/**
 * The last parse of each job file. The folder is rescanned every few seconds (a script made
 * executable is only noticed that way), and parsing 10,000 unchanged jobs through the schema
 * each time cost about 90 ms and made most of an idle node's garbage: its heap, and so its
 * RSS, kept growing between collections. An unchanged file (same text, package name and npm
 * scripts) reuses its parse; only the checks that look at other files — does each script
 * exist and may it run — are made again, and any change there parses the file afresh.
 */
const lastParses = new Map<string, { key: string; parsed: ParsedJobFile }>();

function scriptsStillAsParsed(parsed: ParsedJobFile, input: ParseJobFileInput): boolean {
  if (parsed.rejections.some((rejection) => rejection.field?.endsWith('.script'))) return false;
  const scripts = input.packageScripts ?? undefined;
  return parsed.jobs.every((spec) => scriptProblem(spec.script, input.packageDir, scripts) === undefined);
}

function parseRemembered(input: ParseJobFileInput): ParsedJobFile {
  // A digest, not the text: the cache would otherwise hold a second copy of every job file.
  const key = createHash('sha256')
    .update(JSON.stringify([input.packageDir, input.packageName, input.packageScripts ?? null, input.text]))
    .digest('base64');
  const last = lastParses.get(input.file);
  let parsed: ParsedJobFile;
  if (last !== undefined && last.key === key && scriptsStillAsParsed(last.parsed, input)) parsed = last.parsed;
  else {
    parsed = parseJobFile(input);
    lastParses.set(input.file, { key, parsed });
  }
  // Callers settle duplicates by editing these lists; the specs themselves are never changed.
  return { ...parsed, jobs: [...parsed.jobs], jobIndexes: [...parsed.jobIndexes], rejections: [...parsed.rejections] };
}

/** Reads one package folder's `timecloud.json`; undefined when it has none. */
export async function scanPackage(packageDir: string): Promise<FileScan | undefined> {
  const dir = resolve(packageDir);
  return scanJobFile(join(dir, JOB_FILE_NAME), dir);
}

/**
 * Reads a job file of a package folder (for `validate`, the file may have another name);
 * undefined when it does not exist.
 */
export async function scanJobFile(jobFile: string, packageDir: string): Promise<FileScan | undefined> {
  const file = resolve(jobFile);
  const dir = resolve(packageDir);
  const info = readPackageInfo(dir);
  const unreadable = (message: string): FileScan => ({
    file,
    packageDir: dir,
    packageName: info.name,
    jobs: [],
    jobIndexes: [],
    rejections: [{ file, message }],
    fileOk: false,
  });
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    return unreadable(`cannot be read: ${(error as Error).message}`);
  }
  if (info.problem !== undefined) return unreadable(info.problem);
  const parsed = parseRemembered({ file, text, packageDir: dir, packageName: info.name, packageScripts: info.scripts ?? null });
  return { file, packageDir: dir, packageName: info.name, ...parsed };
}

/** Keeps each job id in one file: the owner's, else the first in path order. */
function settleDuplicateIds(files: FileScan[], owners: ReadonlyMap<string, string> | undefined): void {
  const claims = new Map<string, FileScan[]>();
  for (const scan of files) {
    for (const spec of scan.jobs) claims.set(spec.id, [...(claims.get(spec.id) ?? []), scan]);
  }
  for (const [id, claimants] of claims) {
    if (claimants.length < 2) continue;
    const owner = claimants.find((scan) => scan.file === owners?.get(id)) ?? claimants[0]!;
    for (const loser of claimants.filter((scan) => scan !== owner)) {
      const position = loser.jobs.findIndex((spec) => spec.id === id);
      const [spec] = loser.jobs.splice(position, 1);
      const [index] = loser.jobIndexes.splice(position, 1);
      loser.rejections.push({
        file: loser.file,
        job: spec!.name,
        jobId: id,
        field: `jobs[${index}].name`,
        message:
          `job id "${id}" is already defined in ${owner.file} — both package folders are named ` +
          `"${loser.packageName}"; give one a different "name" in its package.json`,
      });
    }
  }
}

/** Scans a jobs folder. Never throws for bad content; a missing folder yields `folderProblem`. */
export async function scanJobsFolder(jobsDir: string, options: ScanOptions = {}): Promise<JobsFolderScan> {
  const dir = resolve(jobsDir);
  const stats = await stat(dir).catch(() => undefined);
  if (stats === undefined || !stats.isDirectory()) {
    return {
      jobs: new Map(),
      rejections: [],
      files: [],
      folderProblem: stats === undefined ? `jobs folder ${dir} does not exist` : `jobs folder ${dir} is not a folder`,
    };
  }
  const files: FileScan[] = [];
  for (const packageDir of await findPackageDirs(dir)) {
    const scan = await scanPackage(packageDir);
    if (scan !== undefined) files.push(scan);
  }
  const found = new Set(files.map((scan) => scan.file));
  for (const file of lastParses.keys()) if (!found.has(file)) lastParses.delete(file);
  settleDuplicateIds(files, options.owners);
  const jobs = new Map<string, JobSpec>();
  for (const scan of files) for (const spec of scan.jobs) jobs.set(spec.id, spec);
  return { jobs, rejections: files.flatMap((scan) => scan.rejections), files };
}
