/**
 * Shares the strings that many job definitions repeat. The job list keeps every job's spec as
 * decoded from its event, and decoding makes fresh strings: 10,000 jobs in 100 packages held
 * 10,000 copies of 100 folder paths and 100 file paths. Only fields with few distinct values
 * are shared; the table is dropped when it grows past `limit` (sharing starts over, nothing is
 * lost), so it stays bounded however many folders come and go.
 */
import type { JobSpec } from '../src/domain/job-spec.js';

const SHARED_FIELDS = ['package', 'dir', 'file', 'script', 'schedule', 'timezone'] as const;

export function specInterner(limit = 50_000): (spec: JobSpec) => JobSpec {
  let table = new Map<string, string>();
  const intern = (value: string): string => {
    const known = table.get(value);
    if (known !== undefined) return known;
    if (table.size >= limit) table = new Map();
    table.set(value, value);
    return value;
  };
  return (spec) => {
    const shared: Partial<Record<(typeof SHARED_FIELDS)[number], string>> = {};
    for (const field of SHARED_FIELDS) {
      const value = spec[field];
      if (typeof value === 'string') shared[field] = intern(value);
    }
    return { ...spec, ...shared };
  };
}
