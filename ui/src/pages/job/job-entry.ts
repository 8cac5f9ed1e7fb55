// The `timecloud.json` entry a job spec came from, with defaults filled in (what the node runs).
// Environment values are masked: they often hold credentials, and screens get shared.
import type { JobSpec } from '../../../../src/domain/job-spec.js';

export function timecloudEntry(spec: JobSpec): Record<string, unknown> {
  return {
    name: spec.name,
    script: spec.script,
    maintainer: spec.maintainers.length === 1 ? spec.maintainers[0] : spec.maintainers,
    timeout: spec.timeout,
    schedule: spec.schedule,
    ...(spec.timezone ? { timezone: spec.timezone } : {}),
    ...(spec.cronDialect !== 'croner' ? { cronDialect: spec.cronDialect } : {}),
    retries: spec.retries,
    retryDelay: spec.retryDelay,
    grace: spec.grace,
    overlap: spec.overlap,
    catchUp: spec.catchUp,
    ...(spec.catchUp === 'all' ? { catchUpLimit: spec.catchUpLimit } : {}),
    ...(Object.keys(spec.env).length ? { env: Object.fromEntries(Object.keys(spec.env).map((key) => [key, '••••'])) } : {}),
    enabled: spec.enabled,
  };
}
