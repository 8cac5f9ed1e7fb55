/**
 * `Streams.Read`: bounded reads of a stream or of `$all` (with filters), and catch-up
 * subscriptions — confirmation, the stored events, a `caught_up` message, then live events —
 * with checkpoints for filtered `$all` subscriptions, the way a 23.10+ server sends them.
 */
import type * as grpc from '@grpc/grpc-js';
import { readEvent, streamIdentifier, streamName } from './convert.js';
import type { FixtureLog, LoggedEvent } from './fixture-log.js';
import type { ReadReq, ReadResp } from './protocol.js';
import { streamsPb } from './protocol.js';

export interface ReadContext {
  log: FixtureLog;
  /**
   * Behave as servers before 23.10: no `caught_up` message; a filtered `$all` subscription gets
   * a checkpoint when it catches up instead.
   */
  legacyCaughtUp: boolean;
}

type Call = grpc.ServerWritableStream<ReadReq, ReadResp>;
type Options = ReadReq.Options;

/** The default filter search window of the server, in events. */
const DEFAULT_WINDOW = 32;

interface Filter {
  matches(event: LoggedEvent): boolean;
  checkpointEvery: number;
}

function parseFilter(options: Options): Filter | undefined {
  if (!options.hasFilter()) return undefined;
  const filter = options.getFilter() as ReadReq.Options.FilterOptions;
  const onStream = filter.hasStreamIdentifier();
  const expression = onStream ? filter.getStreamIdentifier() : filter.getEventType();
  const prefixes = expression?.getPrefixList() ?? [];
  const regex = expression?.getRegex() ? new RegExp(expression.getRegex()) : undefined;
  const window = filter.hasMax() ? filter.getMax() : DEFAULT_WINDOW;
  return {
    matches(event) {
      const value = onStream ? event.stream : event.type;
      if (prefixes.length > 0) return prefixes.some((prefix) => value.startsWith(prefix));
      return regex ? regex.test(value) : true;
    },
    checkpointEvery: Math.max(1, window * Math.max(1, filter.getCheckpointintervalmultiplier())),
  };
}

function isOpen(call: Call): boolean {
  return !call.cancelled && !call.writableEnded && !call.destroyed;
}

/** Writes with backpressure; false once the call is gone. */
async function send(call: Call, message: ReadResp): Promise<boolean> {
  if (!isOpen(call)) return false;
  if (!call.write(message)) {
    await new Promise<void>((resolve) => {
      const done = (): void => {
        call.off('drain', done).off('cancelled', done).off('close', done);
        resolve();
      };
      call.on('drain', done).on('cancelled', done).on('close', done);
    });
  }
  return isOpen(call);
}

/** Resolves once the log holds more than `seen` records, or the call is gone. */
function appendedSince(log: FixtureLog, call: Call, seen: number): Promise<void> {
  if (log.all.length > seen || !isOpen(call)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      stop();
      call.off('cancelled', done).off('close', done);
      resolve();
    };
    const stop = log.onAppend(done);
    call.on('cancelled', done).on('close', done);
  });
}

const eventMessage = (event: LoggedEvent, structured: boolean): ReadResp =>
  new streamsPb.ReadResp().setEvent(readEvent(event, structured));

function checkpointMessage(position: bigint): ReadResp {
  const checkpoint = new streamsPb.ReadResp.Checkpoint()
    .setCommitPosition(position.toString())
    .setPreparePosition(position.toString());
  return new streamsPb.ReadResp().setCheckpoint(checkpoint);
}

function streamEventsToRead(log: FixtureLog, stream: string, options: Options): LoggedEvent[] | undefined {
  const events = log.visibleStream(stream);
  if (!events) return undefined;
  const streamOptions = options.getStream() as ReadReq.Options.StreamOptions;
  const backwards = options.getReadDirection() === streamsPb.ReadReq.Options.ReadDirection.BACKWARDS;
  const last = events[events.length - 1] as LoggedEvent;
  const from = streamOptions.hasRevision()
    ? BigInt(streamOptions.getRevision())
    : streamOptions.hasEnd()
      ? last.revision + (backwards ? 0n : 1n)
      : 0n;
  return backwards
    ? events.filter((event) => event.revision <= from).reverse()
    : events.filter((event) => event.revision >= from);
}

function allEventsToRead(log: FixtureLog, options: Options): LoggedEvent[] {
  const allOptions = options.getAll() as ReadReq.Options.AllOptions;
  const backwards = options.getReadDirection() === streamsPb.ReadReq.Options.ReadDirection.BACKWARDS;
  // Forwards reads include the event at the position; backwards reads start before it.
  const index = allOptions.hasPosition()
    ? log.indexAtOrAfter(BigInt(allOptions.getPosition()?.getCommitPosition() ?? '0'))
    : allOptions.hasEnd()
      ? log.all.length
      : 0;
  return backwards ? log.all.slice(0, index).reverse() : log.all.slice(index);
}

async function serveBoundedRead(context: ReadContext, call: Call, options: Options, structured: boolean): Promise<void> {
  const filter = parseFilter(options);
  let remaining = BigInt(options.getCount());
  let events: LoggedEvent[];
  if (options.hasStream()) {
    const stream = streamName(options.getStream()?.getStreamIdentifier());
    const found = streamEventsToRead(context.log, stream, options);
    if (!found) {
      const notFound = new streamsPb.ReadResp.StreamNotFound().setStreamIdentifier(streamIdentifier(stream));
      await send(call, new streamsPb.ReadResp().setStreamNotFound(notFound));
      return;
    }
    events = found;
  } else {
    events = allEventsToRead(context.log, options);
  }
  for (const event of events) {
    if (remaining <= 0n) break;
    if (filter && !filter.matches(event)) continue;
    if (!(await send(call, eventMessage(event, structured)))) return;
    remaining -= 1n;
  }
}

async function serveStreamSubscription(context: ReadContext, call: Call, options: Options, structured: boolean) {
  const streamOptions = options.getStream() as ReadReq.Options.StreamOptions;
  const stream = streamName(streamOptions.getStreamIdentifier());
  const current = context.log.lastRevision(stream);
  // Subscriptions start after the given revision: exclusive, unlike reads.
  let next = streamOptions.hasRevision()
    ? BigInt(streamOptions.getRevision()) + 1n
    : streamOptions.hasEnd()
      ? (current ?? -1n) + 1n
      : 0n;
  let caughtUp = false;
  while (isOpen(call)) {
    const seen = context.log.all.length;
    for (const event of context.log.visibleStream(stream) ?? []) {
      if (event.revision < next) continue;
      if (!(await send(call, eventMessage(event, structured)))) return;
      next = event.revision + 1n;
    }
    if (!caughtUp) {
      caughtUp = true;
      if (!context.legacyCaughtUp && !(await send(call, caughtUpMessage()))) return;
    }
    await appendedSince(context.log, call, seen);
  }
}

async function serveAllSubscription(context: ReadContext, call: Call, options: Options, structured: boolean) {
  const { log } = context;
  const filter = parseFilter(options);
  const allOptions = options.getAll() as ReadReq.Options.AllOptions;
  let next = allOptions.hasPosition()
    ? log.indexAtOrAfter(BigInt(allOptions.getPosition()?.getCommitPosition() ?? '0') + 1n)
    : allOptions.hasEnd()
      ? log.all.length
      : 0;
  let caughtUp = false;
  let scanned = 0;
  while (isOpen(call)) {
    const seen = log.all.length;
    while (next < log.all.length) {
      const event = log.all[next] as LoggedEvent;
      next += 1;
      if (!filter || filter.matches(event)) {
        if (!(await send(call, eventMessage(event, structured)))) return;
      }
      scanned += 1;
      if (filter && scanned >= filter.checkpointEvery) {
        scanned = 0;
        if (!(await send(call, checkpointMessage(event.position)))) return;
      }
    }
    if (!caughtUp) {
      caughtUp = true;
      const lastPosition = log.all[next - 1]?.position ?? 0n;
      const message = context.legacyCaughtUp
        ? filter
          ? checkpointMessage(lastPosition)
          : undefined
        : caughtUpMessage();
      if (message && !(await send(call, message))) return;
    }
    await appendedSince(log, call, seen);
  }
}

function caughtUpMessage(): ReadResp {
  return new streamsPb.ReadResp().setCaughtUp(new streamsPb.ReadResp.CaughtUp());
}

async function serveRead(context: ReadContext, call: Call): Promise<void> {
  const options = call.request.getOptions();
  if (!options) throw new Error('a read request has no options');
  const structured = options.getUuidOption()?.hasStructured() ?? false;
  if (!options.hasSubscription()) {
    await serveBoundedRead(context, call, options, structured);
  } else {
    const confirmation = new streamsPb.ReadResp.SubscriptionConfirmation().setSubscriptionId(crypto.randomUUID());
    if (!(await send(call, new streamsPb.ReadResp().setConfirmation(confirmation)))) return;
    if (options.hasStream()) await serveStreamSubscription(context, call, options, structured);
    else await serveAllSubscription(context, call, options, structured);
  }
  if (isOpen(call)) call.end();
}

export function readHandler(context: ReadContext): grpc.handleServerStreamingCall<ReadReq, ReadResp> {
  return (call) => {
    serveRead(context, call).catch((error: unknown) => {
      if (isOpen(call)) call.emit('error', { code: 13, details: `fixture: ${(error as Error).message}` });
    });
  };
}
