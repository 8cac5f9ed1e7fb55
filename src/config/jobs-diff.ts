/**
 * Compares a fresh scan with the last good state and says what changed, keeping every job
 * that a typo could have broken: a job is only removed when its file, its folder or its entry
 * in a valid file is really gone.
 */
import { changedFields, type JobSpec } from '../domain/job-spec.js';
import type { Rejection } from './job-file.js';
import type { FileScan, JobsFolderScan } from './scanner.js';

export interface JobsDiff {
  registered: JobSpec[];
  /** `changed` names the `JobSpec` fields that differ. */
  updated: { spec: JobSpec; changed: string[] }[];
  removed: { jobId: string; file: string; reason: string }[];
  /**
   * `keptPrevious`: the job id (or, for a broken file, the file's jobs) still runs another
   * valid definition — its last valid one, or for a duplicate name the first one.
   */
  rejected: (Rejection & { keptPrevious: boolean })[];
}

export interface DiffResult {
  diff: JobsDiff;
  /** The new last good state. */
  jobs: Map<string, JobSpec>;
  /** Every current rejection, keyed; pass back as `reported` next time so each is told once. */
  reported: Set<string>;
}

export function isEmptyDiff(diff: JobsDiff): boolean {
  return diff.registered.length + diff.updated.length + diff.removed.length + diff.rejected.length === 0;
}


function removalReason(old: JobSpec, scan: JobsFolderScan, fileScan: FileScan | undefined): string {
  if (scan.folderProblem !== undefined) return scan.folderProblem;
  if (fileScan === undefined) {
    return scan.files.some((f) => f.packageDir === old.dir)
      ? `${old.file} was removed`
      : `${old.file} was removed (or its package folder ${old.dir})`;
  }
  const renamed = fileScan.jobs.find((spec) => spec.name === old.name && spec.package !== old.package);
  return renamed === undefined
    ? `job "${old.name}" is no longer defined in ${old.file}`
    : `package renamed from "${old.package}" to "${renamed.package}" in package.json (the job is now ${renamed.id})`;
}

/** Whether a job missing from a valid file may still be there, behind a broken entry. */
function hidden(id: string, fileScan: FileScan): boolean {
  return fileScan.rejections.some((r) => r.jobId === id || r.jobId === undefined);
}

/**
 * @param previous the last good state (jobs by id)
 * @param reported rejection keys already told (from the last result)
 */
export function diffScan(previous: ReadonlyMap<string, JobSpec>, scan: JobsFolderScan, reported: ReadonlySet<string>): DiffResult {
  const filesByPath = new Map(scan.files.map((fileScan) => [fileScan.file, fileScan]));
  const jobs = new Map(scan.jobs);
  const keptFiles = new Set<string>();
  const diff: JobsDiff = { registered: [], updated: [], removed: [], rejected: [] };

  for (const [id, old] of previous) {
    if (jobs.has(id)) continue;
    const fileScan = filesByPath.get(old.file);
    if (fileScan !== undefined && (!fileScan.fileOk || hidden(id, fileScan))) {
      jobs.set(id, old);
      keptFiles.add(old.file);
    } else {
      diff.removed.push({ jobId: id, file: old.file, reason: removalReason(old, scan, fileScan) });
    }
  }
  for (const [id, spec] of scan.jobs) {
    const before = previous.get(id);
    if (before === undefined) diff.registered.push(spec);
    else {
      const changed = changedFields(before, spec);
      if (changed.length > 0) diff.updated.push({ spec, changed });
    }
  }

  const current = new Set<string>();
  for (const rejection of scan.rejections) {
    const keptPrevious = rejection.jobId !== undefined ? jobs.has(rejection.jobId) : keptFiles.has(rejection.file);
    const key = JSON.stringify([rejection.file, rejection.jobId, rejection.job, rejection.field, rejection.message, keptPrevious]);
    current.add(key);
    if (!reported.has(key)) diff.rejected.push({ ...rejection, keptPrevious });
  }
  return { diff, jobs, reported: current };
}
