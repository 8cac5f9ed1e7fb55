/**
 * The projections' checkpoint file: their states and the `$all` position they reflect, written
 * atomically (temporary file, fsync, rename), so a crash leaves the old checkpoint or the new one.
 * It names the store it was built from and the last job event it saw (the anchor): a checkpoint
 * of another store, or of a store that was replaced, is not used.
 */
import { createHash, randomBytes } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import type { EventStore } from '../src/store/event-store.js';
import { EncodedList } from './run-history.codec.js';

/** Bump when the file's layout changes. */
const FORMAT = 1;

export interface CheckpointAnchor {
  position: string;
  id: string;
}

export interface Checkpoint {
  format: number;
  /** Hash of the store's description, so no store URL is written to disk. */
  store: string;
  /** Versions of the projections, by name. */
  versions: Record<string, number>;
  /** The last `$all` position folded into the states. */
  position: string;
  anchor?: CheckpointAnchor;
  savedAt: string;
  states: Record<string, unknown>;
}

export function storeKey(store: EventStore): string {
  return createHash('sha256').update(store.description).digest('hex').slice(0, 32);
}

/** Serialises a checkpoint; the caller measures this (it is the synchronous part). */
export function checkpointText(checkpoint: Omit<Checkpoint, 'format'>): string {
  return JSON.stringify({ format: FORMAT, ...checkpoint });
}

/** Arrays longer than this are serialised in slices, with the event loop turning in between. */
const SLICE_ITEMS = 1000;
/** Objects this deep or deeper are serialised in one go (they are small). */
const SLICE_DEPTH = 3;

/** What can be serialised a slice at a time: arrays, and lists encoded on demand. */
interface Sliceable {
  length: number;
  slice(start: number, end: number): unknown[];
}

function sliceable(value: unknown): value is Sliceable {
  return Array.isArray(value) || (value instanceof EncodedList);
}

async function* jsonPieces(value: unknown, depth: number): AsyncGenerator<string> {
  if (sliceable(value) && value.length > SLICE_ITEMS) {
    yield '[';
    for (let i = 0; i < value.length; i += SLICE_ITEMS) {
      yield (i === 0 ? '' : ',') + JSON.stringify(value.slice(i, i + SLICE_ITEMS)).slice(1, -1);
      await new Promise((resolve) => setImmediate(resolve));
    }
    yield ']';
  } else if (value !== null && typeof value === 'object' && !sliceable(value) && depth < SLICE_DEPTH) {
    yield '{';
    let first = true;
    for (const [key, item] of Object.entries(value)) {
      if (item === undefined) continue;
      yield `${first ? '' : ','}${JSON.stringify(key)}:`;
      first = false;
      yield* jsonPieces(item, depth + 1);
    }
    yield '}';
  } else {
    yield JSON.stringify(value);
  }
}

/**
 * Serialises a checkpoint like `checkpointText`, but long arrays (a history of runs) a slice at a
 * time, so that requests are answered in between. The caller keeps the states still meanwhile.
 */
export async function checkpointTextInSlices(checkpoint: Omit<Checkpoint, 'format'>): Promise<string> {
  const pieces: string[] = [];
  for await (const piece of jsonPieces({ format: FORMAT, ...checkpoint }, 0)) pieces.push(piece);
  return pieces.join('');
}

export async function writeCheckpointFile(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(temporary, 'w', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * The checkpoint in `file` when it can be used for `store` and these projection versions, or
 * the reason it cannot (a missing file is no reason worth logging: `reason` is undefined).
 */
export async function readCheckpoint(
  file: string,
  store: EventStore,
  versions: Record<string, number>,
): Promise<{ checkpoint?: Checkpoint; reason?: string }> {
  let parsed: Checkpoint;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8')) as Checkpoint;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    return { reason: `unreadable checkpoint ${file}: ${(error as Error).message}` };
  }
  if (parsed?.format !== FORMAT) return { reason: `checkpoint ${file} has format ${String(parsed?.format)}, expected ${FORMAT}` };
  if (parsed.store !== storeKey(store)) return { reason: `checkpoint ${file} belongs to another event store` };
  for (const [name, version] of Object.entries(versions)) {
    if (parsed.versions?.[name] !== version || parsed.states?.[name] === undefined) {
      return { reason: `checkpoint ${file} holds projection "${name}" version ${String(parsed.versions?.[name])}, expected ${version}` };
    }
  }
  if (!parsed.anchor || !/^\d+$/.test(parsed.position)) return { reason: `checkpoint ${file} has no anchor event` };
  for await (const event of store.readAll({ fromPosition: BigInt(parsed.anchor.position), maxCount: 1 })) {
    if (event.id === parsed.anchor.id && event.position === BigInt(parsed.anchor.position)) return { checkpoint: parsed };
    break;
  }
  return { reason: `checkpoint ${file} names an event the store does not hold at that position: the store was replaced` };
}
