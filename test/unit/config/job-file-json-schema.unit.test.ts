import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { buildJobFileJsonSchema, JSON_SCHEMA_PATH } from '../../../src/config/job-file.json-schema.js';

const committedPath = fileURLToPath(new URL(`../../../${JSON_SCHEMA_PATH}`, import.meta.url));

describe('schema/timecloud.schema.json', () => {
  it('is the schema generated from the zod schema (run: node --import tsx scripts/generate-schema.ts)', () => {
    expect(readFileSync(committedPath, 'utf8')).toBe(buildJobFileJsonSchema());
  });

  // The schema is draft-07, which ajv's default and common editors read.
  it('lets a draft-07 validator accept the seed format and flag a typo', () => {
    const validate = new Ajv({ allErrors: true }).compile(JSON.parse(readFileSync(committedPath, 'utf8')));
    const seed = {
      $schema: './node_modules/timecloud/schema/timecloud.schema.json',
      jobs: [
        { name: 'npm', script: 'npm start', maintainer: 'user', timeout: 5000, schedule: '*/30 * * * * *' },
        { name: 'update', script: './bin/update', maintainer: ['user1', 'user2'], timeout: 40000, schedule: '0 0 * * * *' },
      ],
    };
    expect(validate(seed), JSON.stringify(validate.errors)).toBe(true);
    const typo = { jobs: [{ ...seed.jobs[0], shedule: '0 * * * * *' }] };
    expect(validate(typo)).toBe(false);
    expect(validate.errors?.map((e: { params: unknown }) => e.params)).toContainEqual({ additionalProperty: 'shedule' });
    expect(validate({ jobs: [{ ...seed.jobs[0], timeout: 0 }] })).toBe(false);
    expect(validate({ jobs: [{ ...seed.jobs[0], name: 'a/b' }] })).toBe(false);
  });
});
