/** Builds the published JSON Schema of `timecloud.json` from the zod schema. */
import { z } from 'zod';
import { jobFileSchema } from './job-file.schema.js';

/** Where the package publishes the schema; editors point `$schema` at it through node_modules. */
export const JSON_SCHEMA_PATH = 'schema/timecloud.schema.json';

/**
 * The JSON Schema as the text committed at {@link JSON_SCHEMA_PATH}. Draft-07, because it is
 * the draft every common editor (VS Code, JetBrains, yaml-language-server) validates fully.
 */
export function buildJobFileJsonSchema(): string {
  const schema = z.toJSONSchema(jobFileSchema, { target: 'draft-07' });
  return `${JSON.stringify(schema, null, 2)}\n`;
}
