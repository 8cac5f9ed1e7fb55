/**
 * One dashboard connection of the WebSocket hub: its event filter, where its feed stands, the
 * runs it follows, and the bound on what may wait unsent for it. A client that falls behind
 * gets one `overflow` message and no more events until it asks to resume.
 */
import type { WebSocket } from 'ws';
import { z } from 'zod';
import { isUuid } from '../domain/ids.js';
import type { EventFilter, StoredEvent } from '../store/event-store.js';
import type { WsClientMessage, WsServerMessage } from './api-types.js';

export type FeedMode = 'live' | 'replaying' | 'overflowed';

const runId = z.string().refine(isUuid, 'expected a run id (a UUID)');
const clientMessage = z.union([
  z.strictObject({ follow: runId }),
  z.strictObject({ unfollow: runId }),
  z.strictObject({
    filter: z.strictObject({
      streamPrefixes: z.array(z.string().min(1).max(500)).min(1).max(50).optional(),
      eventTypes: z.array(z.string().min(1).max(100)).min(1).max(100).optional(),
    }),
  }),
  z.strictObject({ resume: z.string().regex(/^\d{1,20}$/, 'expected an event position (a decimal integer)') }),
]);

/** Parses a client's message, or says in a few words what is wrong with it. */
export function parseClientMessage(raw: string): WsClientMessage | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { problem: 'not JSON' };
  }
  const result = clientMessage.safeParse(json);
  if (result.success) return result.data as WsClientMessage;
  return { problem: 'expected {follow}, {unfollow}, {filter} or {resume}' };
}

export class HubClient {
  mode: FeedMode = 'live';
  /** The `$all` position up to which this client's feed is complete. */
  cursor: bigint;
  readonly follows = new Set<string>();
  /** Bumped by every resume, so an older replay stops. */
  replayId = 0;
  alive = true;
  private prefixes: string[] | undefined;
  private types: Set<string> | undefined;

  constructor(
    readonly ws: WebSocket,
    position: bigint,
    private readonly maxBufferedBytes: number,
  ) {
    this.cursor = position;
  }

  setFilter(filter: { streamPrefixes?: string[]; eventTypes?: string[] }): void {
    this.prefixes = filter.streamPrefixes;
    this.types = filter.eventTypes ? new Set(filter.eventTypes) : undefined;
  }

  /** Lease renewals only when asked for by type: a leader writes several a minute. */
  matches(event: Pick<StoredEvent, 'stream' | 'type'>): boolean {
    if (this.prefixes && !this.prefixes.some((prefix) => event.stream.startsWith(prefix))) return false;
    return this.types ? this.types.has(event.type) : event.type !== 'LeaseRenewed';
  }

  /** The store filter for a replay: this client's, within what the hub serves; undefined when nothing can match. */
  storeFilter(served: readonly string[]): EventFilter | undefined {
    const types = this.types ? served.filter((type) => this.types!.has(type)) : served.filter((type) => type !== 'LeaseRenewed');
    if (types.length === 0) return undefined;
    return { eventTypes: types, ...(this.prefixes ? { streamPrefixes: this.prefixes } : {}) };
  }

  get congested(): boolean {
    return this.ws.bufferedAmount > this.maxBufferedBytes;
  }

  get open(): boolean {
    return this.ws.readyState === this.ws.OPEN;
  }

  /** `callback` runs once the message was handed to the socket, or at once if it is closed. */
  send(message: WsServerMessage | string, callback?: (error?: Error) => void): void {
    if (!this.open) {
      callback?.(new Error('closed'));
      return;
    }
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message), callback);
  }

  /** Stops the event feed until the client resumes from `cursor`. */
  overflow(): void {
    this.mode = 'overflowed';
    this.send({ type: 'overflow', position: this.cursor.toString() });
  }

}
