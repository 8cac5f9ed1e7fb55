/**
 * The report of `timecloud validate PATH…`: every job with its id, schedule, zone, dialect and
 * next fire times (so nobody has to guess what a cron line means), or every problem with its
 * file, job and field.
 */
import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { JobSpec } from '../domain/job-spec.js';
import { compileSchedule } from './cron.js';
import type { Rejection } from './job-file.js';
import { JOB_FILE_NAME, scanJobFile, scanJobsFolder, type FileScan } from './scanner.js';
import { formatInZone, formatUtc } from './time-format.js';
import { localTimeZone } from './timezone.js';

export interface ValidateReportInput {
  /** `timecloud.json` files, package folders or jobs folders. */
  paths: string[];
  /** Fire times are computed after this instant. @defaultValue new Date() */
  now?: Date;
  /** Fire times shown per job. @defaultValue 5 */
  count?: number;
  /** Base of relative paths. @defaultValue process.cwd() */
  cwd?: string;
}

export interface ValidateReport {
  /** False when anything was rejected or a path held no job file. */
  ok: boolean;
  text: string;
}

/** The files a path stands for, or a problem when it stands for none. */
async function filesOf(path: string): Promise<{ files: FileScan[]; problem?: string }> {
  const stats = await stat(path).catch(() => undefined);
  if (stats === undefined) return { files: [], problem: `${path}: does not exist` };
  if (stats.isFile()) {
    const scan = await scanJobFile(path, dirname(path));
    return scan === undefined ? { files: [], problem: `${path}: cannot be read` } : { files: [scan] };
  }
  const own = await scanJobFile(join(path, JOB_FILE_NAME), path);
  if (own !== undefined) return { files: [own] };
  const folder = await scanJobsFolder(path);
  if (folder.files.length === 0) {
    return {
      files: [],
      problem: `${path}: no ${JOB_FILE_NAME} here nor in its package folders (<folder>/${JOB_FILE_NAME}, <@scope>/<folder>/${JOB_FILE_NAME})`,
    };
  }
  return { files: folder.files };
}

function jobLines(spec: JobSpec, now: Date, count: number): string[] {
  const zone = spec.timezone ?? localTimeZone();
  const lines = [
    `  ok     ${spec.id}`,
    `         schedule  ${spec.schedule}  (dialect ${spec.cronDialect})`,
    `         timezone  ${spec.timezone ?? `${zone} (the node's zone; none set)`}`,
  ];
  if (!spec.enabled) lines.push('         disabled  "enabled": false — it is registered but never fires');
  const times = compileSchedule(spec).next(count, now);
  times.forEach((time, index) => {
    lines.push(`         ${index === 0 ? 'next    ' : '        '}  ${formatInZone(time, zone)}   ${formatUtc(time)}`);
  });
  return lines;
}

function rejectionLine(rejection: Rejection): string {
  const where = rejection.field ?? '(file)';
  const job = rejection.job === undefined ? '' : ` (job "${rejection.job}")`;
  return `  error  ${where}${job}: ${rejection.message}`;
}

/** One block per file: its jobs in file order, then its problems. */
function fileBlock(scan: FileScan, now: Date, count: number): string[] {
  const lines = [`${scan.file}  (package ${scan.packageName})`];
  for (const spec of scan.jobs) lines.push(...jobLines(spec, now, count));
  for (const rejection of scan.rejections) lines.push(rejectionLine(rejection));
  if (scan.jobs.length === 0 && scan.rejections.length === 0) lines.push('  (no jobs)');
  return lines;
}

/** Builds the report for `timecloud validate`. */
export async function validateReport(input: ValidateReportInput): Promise<ValidateReport> {
  const now = input.now ?? new Date();
  const count = input.count ?? 5;
  const cwd = input.cwd ?? process.cwd();
  const blocks: string[][] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  let jobs = 0;
  let rejections = 0;
  let files = 0;
  for (const path of input.paths) {
    const { files: found, problem } = await filesOf(resolve(cwd, path));
    if (problem !== undefined) problems.push(problem);
    for (const scan of found) {
      if (seen.has(scan.file)) continue;
      seen.add(scan.file);
      files += 1;
      jobs += scan.jobs.length;
      rejections += scan.rejections.length;
      blocks.push(fileBlock(scan, now, count));
    }
  }
  const ok = problems.length === 0 && rejections === 0;
  const summary =
    `${ok ? 'OK' : 'INVALID'}: ${jobs} valid job${jobs === 1 ? '' : 's'}, ` +
    `${rejections} problem${rejections === 1 ? '' : 's'} in ${files} file${files === 1 ? '' : 's'}` +
    (problems.length > 0 ? `, ${problems.length} path${problems.length === 1 ? '' : 's'} missing or without job files` : '');
  const text = [
    `Next fire times after ${formatUtc(now)}, in each job's zone and in UTC.`,
    ...problems.map((problem) => `error  ${problem}`),
    ...blocks.map((block) => block.join('\n')),
    summary,
  ].join('\n\n');
  return { ok, text: `${text}\n` };
}
