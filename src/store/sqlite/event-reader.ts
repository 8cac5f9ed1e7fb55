/**
 * Read queries on the caller's thread (reads never wait for the writer in WAL mode). Every
 * query returns one page, so a long stream or `$all` is never loaded whole.
 */
import type Database from 'better-sqlite3';
import { StoreError } from '../../errors.js';
import type { Direction, EventFilter, EventMetadata, StoredEvent, StreamMetadata } from '../event-store.js';
import { TYPE_INDEX } from './schema.js';

export interface EventRow {
  position: number | bigint;
  event_id: string;
  stream: string;
  revision: number | bigint;
  type: string;
  data: string;
  metadata: string;
  created: number;
}

interface StreamRow {
  last_revision: number | null;
  max_age: number | null;
  max_count: number | null;
}

export interface StreamState {
  /** Revision of the last event ever appended; `undefined` when none was. */
  last: bigint | undefined;
  metadata: StreamMetadata;
}

const COLUMNS = 'position, event_id, stream, revision, type, data, metadata, created';
/** Smaller than any `created`, for reads of streams without `maxAge`. */
const NO_AGE_LIMIT = Number.MIN_SAFE_INTEGER;

/**
 * Which index a `$all` read walks, chosen here rather than by the planner (which has no
 * statistics). One event type and nothing else: that type's entries of `events_by_type`, in
 * position order either way, however rare the type. Anything else walks the table in position
 * order: merging several types from the index would sort every match of a long history for
 * each page of a catch-up.
 */
function indexFor(prefixes: readonly string[], types: readonly string[]): string {
  return prefixes.length === 0 && types.length === 1 ? `INDEXED BY ${TYPE_INDEX}` : 'NOT INDEXED';
}

/** The query of one page of `$all` (exported for the test of its plans). */
export function allPageQuery(direction: Direction, from: bigint, limit: number, filter: EventFilter = {}): { sql: string; params: unknown[] } {
  const prefixes = filter.streamPrefixes ?? [];
  const types = filter.eventTypes ?? [];
  const conditions = [direction === 'forwards' ? 'position >= ?' : 'position <= ?'];
  const params: unknown[] = [from];
  if (prefixes.length > 0) {
    conditions.push(`(${prefixes.map(() => 'substr(stream, 1, ?) = ?').join(' OR ')})`);
    // substr counts characters, as JavaScript's string iterator does.
    for (const prefix of prefixes) params.push([...prefix].length, prefix);
  }
  if (types.length > 0) {
    conditions.push(`type IN (${types.map(() => '?').join(', ')})`);
    params.push(...types);
  }
  const order = direction === 'forwards' ? 'ASC' : 'DESC';
  const sql = `SELECT ${COLUMNS} FROM events ${indexFor(prefixes, types)} WHERE ${conditions.join(' AND ')} ORDER BY position ${order} LIMIT ?`;
  return { sql, params: [...params, limit] };
}

export class EventReader {
  private readonly statements = new Map<string, Database.Statement<unknown[], EventRow>>();
  private readonly streamRow;
  private readonly head;
  private readonly version;

  constructor(
    private readonly db: Database.Database,
    private readonly file: string,
  ) {
    this.streamRow = db.prepare<[string], StreamRow>(
      'SELECT last_revision, max_age, max_count FROM streams WHERE stream = ?',
    );
    this.head = db.prepare<[], number | null>('SELECT max(position) FROM events').pluck();
    this.version = db.prepare<[], number>('PRAGMA data_version').pluck();
  }

  streamState(stream: string): StreamState {
    const row = this.streamRow.get(stream);
    const metadata: StreamMetadata = {};
    if (row?.max_age != null) metadata.maxAge = row.max_age;
    if (row?.max_count != null) metadata.maxCount = row.max_count;
    const last = row?.last_revision;
    return { last: last === null || last === undefined ? undefined : BigInt(last), metadata };
  }

  /** Position of the newest stored event; 0 when there is none. */
  headPosition(): bigint {
    return BigInt(this.head.get() ?? 0);
  }

  /** Changes whenever another connection (any thread or process) commits. */
  dataVersion(): number {
    return this.version.get() as number;
  }

  /**
   * One page of `stream` from `from` (inclusive) in `direction`, skipping revisions below
   * `minRevision` and events created before `minCreated` (stream metadata).
   */
  streamPage(
    stream: string,
    direction: Direction,
    from: bigint,
    limit: number,
    bounds: { minRevision: bigint; minCreated?: number } = { minRevision: 0n },
  ): StoredEvent[] {
    const forwards = direction === 'forwards';
    const sql = forwards
      ? `SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision >= ? AND revision >= ? AND created >= ?
         ORDER BY revision ASC LIMIT ?`
      : `SELECT ${COLUMNS} FROM events WHERE stream = ? AND revision <= ? AND revision >= ? AND created >= ?
         ORDER BY revision DESC LIMIT ?`;
    const rows = this.statement(sql).all(stream, from, bounds.minRevision, bounds.minCreated ?? NO_AGE_LIMIT, limit);
    return rows.map((row) => decodeEvent(row, this.file));
  }

  /** One page of `$all` from `from` (inclusive) in `direction`, narrowed by `filter`. */
  allPage(direction: Direction, from: bigint, limit: number, filter: EventFilter = {}): StoredEvent[] {
    const { sql, params } = allPageQuery(direction, from, limit, filter);
    return this.statement(sql)
      .all(...params)
      .map((row) => decodeEvent(row, this.file));
  }

  private statement(sql: string): Database.Statement<unknown[], EventRow> {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare<unknown[], EventRow>(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

/** A stored row as an event; a row that is not valid JSON is a `StoreError` naming where it is. */
export function decodeEvent(row: EventRow, file: string): StoredEvent {
  let data: unknown;
  let metadata: EventMetadata;
  try {
    data = JSON.parse(row.data);
    metadata = JSON.parse(row.metadata) as EventMetadata;
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
      throw new Error('its metadata is not a JSON object');
    }
  } catch (error) {
    throw new StoreError(
      `event store "${file}": the event at revision ${row.revision} of stream "${row.stream}" ` +
        `(position ${row.position}) cannot be decoded: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return {
    id: row.event_id,
    stream: row.stream,
    revision: BigInt(row.revision),
    position: BigInt(row.position),
    type: row.type,
    data,
    metadata,
    created: new Date(row.created),
  };
}
