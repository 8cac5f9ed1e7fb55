/**
 * The dashboard's one WebSocket to `/ws`: pushed store events keep every page current without
 * polling, and followed runs stream their log lines. It reconnects with backoff and resumes from
 * the last `$all` position it handled, so no event is lost or handled twice across reconnects.
 */
import { getCurrentScope, onScopeDispose, readonly, ref, type Ref } from 'vue';
import type { StoredEventJson, WsClientMessage, WsFilter, WsServerMessage } from '../../../src/http/api-types.js';

export type FeedStatus = 'idle' | 'connecting' | 'live' | 'reconnecting';

export interface LogLine {
  stream: 'stdout' | 'stderr';
  text: string;
}

export type EventHandler = (event: StoredEventJson) => void;
export type LogHandler = (line: LogLine) => void;

/**
 * Run logs (`runlog-*`) stay out of the feed: they can be megabytes a run, and live lines come
 * through `follow` anyway. The audit page pages them from the REST API.
 */
export const FEED_FILTER: WsFilter = { streamPrefixes: ['job-', 'leader', 'alert-', 'config-'] };

const BACKOFF_MIN_MS = 250;
const BACKOFF_MAX_MS = 5000;

const status = ref<FeedStatus>('idle');
/** Bumped on each successful (re)connection: pages re-read what they may have missed. */
const connections = ref(0);
const eventHandlers = new Set<EventHandler>();
const logHandlers = new Map<string, Set<LogHandler>>();
let socket: WebSocket | undefined;
let lastPosition: bigint | undefined;
let wanted = false;
let attempt = 0;
let retryTimer: ReturnType<typeof setTimeout> | undefined;

function socketUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/ws`;
}

function send(message: WsClientMessage): void {
  if (socket?.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function deliver(event: StoredEventJson): void {
  const position = BigInt(event.position);
  if (lastPosition !== undefined && position <= lastPosition) return;
  lastPosition = position;
  for (const handler of [...eventHandlers]) {
    try {
      handler(event);
    } catch (error) {
      console.error('event handler failed', error);
    }
  }
}

function receive(message: WsServerMessage): void {
  switch (message.type) {
    case 'event':
      deliver(message.event);
      return;
    case 'log':
      for (const handler of [...(logHandlers.get(message.runId) ?? [])]) handler({ stream: message.stream, text: message.text });
      return;
    case 'hello':
      lastPosition ??= BigInt(message.position);
      return;
    case 'overflow':
      // The server stopped sending; ask again from what we actually handled.
      if (lastPosition !== undefined) send({ resume: lastPosition.toString() });
      return;
    default: {
      const unknown: never = message;
      console.warn('unknown feed message', unknown);
    }
  }
}

function open(): void {
  clearTimeout(retryTimer);
  retryTimer = undefined;
  status.value = attempt === 0 ? 'connecting' : 'reconnecting';
  const ws = new WebSocket(socketUrl());
  socket = ws;
  ws.onopen = () => {
    attempt = 0;
    status.value = 'live';
    send({ filter: FEED_FILTER });
    if (lastPosition !== undefined) send({ resume: lastPosition.toString() });
    for (const runId of logHandlers.keys()) send({ follow: runId });
    connections.value += 1;
  };
  ws.onmessage = (message) => {
    if (typeof message.data !== 'string') return;
    try {
      receive(JSON.parse(message.data) as WsServerMessage);
    } catch (error) {
      console.error('bad feed message', error);
    }
  };
  ws.onclose = () => {
    if (socket !== ws) return;
    socket = undefined;
    if (!wanted) {
      status.value = 'idle';
      return;
    }
    status.value = 'reconnecting';
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempt) * (0.75 + Math.random() * 0.5);
    attempt += 1;
    retryTimer = setTimeout(open, delay);
  };
}

/** Opens the feed (idempotent); called once the user is logged in. */
export function connectFeed(): void {
  wanted = true;
  if (!socket && retryTimer === undefined) open();
}

/** Closes the feed, e.g. after the session expired; it keeps its position for the next connect. */
export function disconnectFeed(): void {
  wanted = false;
  clearTimeout(retryTimer);
  retryTimer = undefined;
  socket?.close();
}

export interface EventFeed {
  status: Readonly<Ref<FeedStatus>>;
  connections: Readonly<Ref<number>>;
  /** Calls `handler` for each new event until the calling component unmounts (or the returned stop). */
  onEvent(handler: EventHandler): () => void;
  /** Streams the live log lines of `runId` until unmount (or the returned stop). */
  follow(runId: string, handler: LogHandler): () => void;
}

function untilScopeEnds(stop: () => void): () => void {
  if (getCurrentScope()) onScopeDispose(stop);
  return stop;
}

export function useEventFeed(): EventFeed {
  return {
    status: readonly(status),
    connections: readonly(connections),
    onEvent(handler) {
      eventHandlers.add(handler);
      return untilScopeEnds(() => eventHandlers.delete(handler));
    },
    follow(runId, handler) {
      let handlers = logHandlers.get(runId);
      if (!handlers) {
        handlers = new Set();
        logHandlers.set(runId, handlers);
        send({ follow: runId });
      }
      handlers.add(handler);
      return untilScopeEnds(() => {
        const set = logHandlers.get(runId);
        if (!set?.delete(handler) || set.size > 0) return;
        logHandlers.delete(runId);
        send({ unfollow: runId });
      });
    },
  };
}
