import type { Schedule } from '../../src/domain/schedule.js';
import { JOB_DEFAULTS, type JobSpec } from '../../src/domain/job-spec.js';

/** A valid spec for domain tests, with overrides. */
export function jobSpec(overrides: Partial<JobSpec> = {}): JobSpec {
  const pkg = overrides.package ?? 'demo';
  const name = overrides.name ?? 'update';
  return {
    id: `${pkg}/${name}`,
    package: pkg,
    name,
    dir: `/jobs/${pkg}`,
    file: `/jobs/${pkg}/timecloud.json`,
    script: './bin/update',
    maintainers: ['user1'],
    timeout: 40_000,
    schedule: '*/10 * * * * *',
    env: {},
    ...JOB_DEFAULTS,
    ...overrides,
  };
}

/**
 * A pure "every N seconds from the epoch" schedule, so decider tests do not depend on the
 * cron library (which has tests of its own).
 */
export function everySeconds(seconds: number): Schedule {
  const step = seconds * 1000;
  return { nextAfter: (date) => new Date(Math.floor(date.getTime() / step) * step + step) };
}
