/** A stable id for this node: the host name plus a random suffix, kept in the data folder. */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';

export const NODE_ID_FILE = 'node-id';
const NODE_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The node id stored in `<data>/node-id`, created on first use as `<hostname>-<6 hex>`; it
 * survives restarts. Nodes that share a data folder share this id: a standby on the same host
 * needs its own `--data` (pointing `--store` at the shared file) or its own `--node-id`.
 * @throws ConfigError when the stored file holds something that is not an id.
 */
export function ensureNodeId(dataDir: string, hostname: string = osHostname()): string {
  const file = join(dataDir, NODE_ID_FILE);
  let stored: string | undefined;
  try {
    stored = readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (stored !== undefined) {
    if (!NODE_ID_PATTERN.test(stored)) {
      throw new ConfigError(`${file}: expected a node id of letters, digits, ".", "_" or "-", got ${JSON.stringify(stored)}`);
    }
    return stored;
  }
  const host = hostname.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 50) || 'node';
  const id = `${host}-${randomBytes(3).toString('hex')}`;
  mkdirSync(dataDir, { recursive: true });
  // wx: if another process on this data folder created it first, use theirs.
  try {
    writeFileSync(file, `${id}\n`, { flag: 'wx' });
    return id;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return ensureNodeId(dataDir, hostname);
    throw error;
  }
}
