// Writes schema/timecloud.schema.json from the zod schema. Run: node --import tsx scripts/generate-schema.ts
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildJobFileJsonSchema, JSON_SCHEMA_PATH } from '../src/config/job-file.json-schema.js';

const target = fileURLToPath(new URL(`../${JSON_SCHEMA_PATH}`, import.meta.url));
writeFileSync(target, buildJobFileJsonSchema());
console.log(`wrote ${target}`);
