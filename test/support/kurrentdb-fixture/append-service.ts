/**
 * `Streams.Append` (client streaming: options, then proposed messages) and `Streams.BatchAppend`
 * (bidirectional: batches keyed by correlation id, committed on `is_final`). The client picks
 * BatchAppend whenever `ServerFeatures` lists it, as a real 21.10+ server does.
 */
import type * as grpc from '@grpc/grpc-js';
import { streamIdentifier, streamName, uuidToString } from './convert.js';
import type { FaultQueue } from './faults.js';
import { notLeaderStatus, unavailableStatus } from './faults.js';
import type { AppendOutcome, Expected, FixtureLog, ProposedEvent } from './fixture-log.js';
import type { AppendReq, AppendResp, BatchAppendReq, BatchAppendResp, Uuid } from './protocol.js';
import { anyPb, codePb, emptyPb, sharedPb, statusPb, streamsPb } from './protocol.js';

export interface AppendContext {
  log: FixtureLog;
  faults: FaultQueue;
  host: string;
  port: () => number;
  /** Answer idempotent appends without a position, which the protocol allows and older servers did. */
  idempotentWithoutPosition: boolean;
}

type AppendProposed = AppendReq.ProposedMessage | BatchAppendReq.ProposedMessage;

function toProposed(message: AppendProposed): ProposedEvent {
  const metadata = message.getMetadataMap();
  const type = metadata.get('type');
  if (!type) throw new Error('a proposed message has no "type" metadata');
  return {
    id: uuidToString(message.getId()),
    type,
    contentType: metadata.get('content-type') ?? 'application/octet-stream',
    data: message.getData_asU8(),
    metadata: message.getCustomMetadata_asU8(),
  };
}

function appendExpected(options: AppendReq.Options): Expected {
  const Case = streamsPb.AppendReq.Options.ExpectedStreamRevisionCase;
  switch (options.getExpectedStreamRevisionCase()) {
    case Case.REVISION:
      return BigInt(options.getRevision());
    case Case.NO_STREAM:
      return 'no_stream';
    case Case.STREAM_EXISTS:
      return 'stream_exists';
    default:
      return 'any';
  }
}

function batchExpected(options: BatchAppendReq.Options): Expected {
  const Case = streamsPb.BatchAppendReq.Options.ExpectedStreamPositionCase;
  switch (options.getExpectedStreamPositionCase()) {
    case Case.STREAM_POSITION:
      return BigInt(options.getStreamPosition());
    case Case.NO_STREAM:
      return 'no_stream';
    case Case.STREAM_EXISTS:
      return 'stream_exists';
    default:
      return 'any';
  }
}

/** Runs the append with any injected fault; returns a gRPC status when the call must fail instead. */
function appendWithFaults(
  context: AppendContext,
  stream: string,
  expected: Expected,
  events: ProposedEvent[],
): { outcome: AppendOutcome } | { status: Partial<grpc.StatusObject> } {
  const fault = context.faults.nextAppendFault();
  if (fault === 'unavailable') return { status: unavailableStatus() };
  if (fault === 'not-leader') return { status: notLeaderStatus(context.host, context.port()) };
  const outcome = context.log.append(stream, expected, events);
  if (fault === 'drop-after-commit') return { status: unavailableStatus() };
  if (outcome.ok && outcome.idempotent && context.idempotentWithoutPosition) {
    return { outcome: { ...outcome, position: undefined } };
  }
  return { outcome };
}

function appendResponse(outcome: AppendOutcome, expected: Expected): AppendResp {
  const response = new streamsPb.AppendResp();
  if (outcome.ok) {
    const success = new streamsPb.AppendResp.Success();
    if (outcome.currentRevision === undefined) success.setNoStream(new sharedPb.Empty());
    else success.setCurrentRevision(outcome.currentRevision.toString());
    if (outcome.position === undefined) success.setNoPosition(new sharedPb.Empty());
    else
      success.setPosition(
        new streamsPb.AppendResp.Position()
          .setCommitPosition(outcome.position.commit.toString())
          .setPreparePosition(outcome.position.prepare.toString()),
      );
    return response.setSuccess(success);
  }
  const wrong = new streamsPb.AppendResp.WrongExpectedVersion();
  if (outcome.currentRevision === undefined) wrong.setCurrentNoStream(new sharedPb.Empty());
  else wrong.setCurrentRevision(outcome.currentRevision.toString());
  if (typeof expected === 'bigint') wrong.setExpectedRevision(expected.toString());
  else if (expected === 'no_stream') wrong.setExpectedNoStream(new sharedPb.Empty());
  else if (expected === 'stream_exists') wrong.setExpectedStreamExists(new sharedPb.Empty());
  else wrong.setExpectedAny(new sharedPb.Empty());
  return response.setWrongExpectedVersion(wrong);
}

export function appendHandler(context: AppendContext): grpc.handleClientStreamingCall<AppendReq, AppendResp> {
  return (call, callback) => {
    let options: AppendReq.Options | undefined;
    const events: ProposedEvent[] = [];
    let failed = false;
    call.on('data', (request: AppendReq) => {
      try {
        if (request.hasOptions()) options = request.getOptions();
        else if (request.hasProposedMessage()) events.push(toProposed(request.getProposedMessage() as AppendReq.ProposedMessage));
      } catch (error) {
        failed = true;
        callback({ code: 3, details: (error as Error).message });
      }
    });
    call.on('end', () => {
      if (failed) return;
      if (!options) return callback({ code: 3, details: 'the first append message must carry options' });
      const stream = streamName(options.getStreamIdentifier());
      const expected = appendExpected(options);
      const result = appendWithFaults(context, stream, expected, events);
      if ('status' in result) return callback(result.status);
      callback(null, appendResponse(result.outcome, expected));
    });
  };
}

function batchResponse(
  request: { correlation: Uuid | undefined; stream: string },
  outcome: AppendOutcome,
  expected: Expected,
): BatchAppendResp {
  const response = new streamsPb.BatchAppendResp()
    .setCorrelationId(request.correlation)
    .setStreamIdentifier(streamIdentifier(request.stream));
  if (outcome.ok) {
    const success = new streamsPb.BatchAppendResp.Success();
    if (outcome.currentRevision === undefined) success.setNoStream(new emptyPb.Empty());
    else success.setCurrentRevision(outcome.currentRevision.toString());
    if (outcome.position === undefined) success.setNoPosition(new emptyPb.Empty());
    else
      success.setPosition(
        new sharedPb.AllStreamPosition()
          .setCommitPosition(outcome.position.commit.toString())
          .setPreparePosition(outcome.position.prepare.toString()),
      );
    return response.setSuccess(success);
  }
  const wrong = new sharedPb.WrongExpectedVersion();
  if (outcome.currentRevision === undefined) wrong.setCurrentNoStream(new emptyPb.Empty());
  else wrong.setCurrentStreamRevision(outcome.currentRevision.toString());
  if (typeof expected === 'bigint') wrong.setExpectedStreamPosition(expected.toString());
  else if (expected === 'no_stream') wrong.setExpectedNoStream(new emptyPb.Empty());
  else if (expected === 'stream_exists') wrong.setExpectedStreamExists(new emptyPb.Empty());
  else wrong.setExpectedAny(new emptyPb.Empty());
  const details = new anyPb.Any();
  details.pack(wrong.serializeBinary(), 'event_store.client.WrongExpectedVersion');
  const status = new statusPb.Status()
    .setCode(codePb.Code.FAILED_PRECONDITION)
    .setMessage('WrongExpectedVersion')
    .setDetails(details);
  return response.setError(status);
}

export function batchAppendHandler(
  context: AppendContext,
): grpc.handleBidiStreamingCall<BatchAppendReq, BatchAppendResp> {
  return (call) => {
    const pending = new Map<string, { stream: string; expected: Expected; events: ProposedEvent[] }>();
    call.on('data', (request: BatchAppendReq) => {
      if (call.writableEnded) return;
      const correlation = request.getCorrelationId();
      const key = uuidToString(correlation);
      const options = request.getOptions();
      if (options) pending.set(key, { stream: streamName(options.getStreamIdentifier()), expected: batchExpected(options), events: [] });
      const batch = pending.get(key);
      if (!batch) return;
      batch.events.push(...request.getProposedMessagesList().map(toProposed));
      if (!request.getIsFinal()) return;
      pending.delete(key);
      const result = appendWithFaults(context, batch.stream, batch.expected, batch.events);
      // A failed batch call fails every append in flight on it, as a dropped connection does.
      if ('status' in result) return void call.emit('error', result.status);
      call.write(batchResponse({ correlation, stream: batch.stream }, result.outcome, batch.expected));
    });
    call.on('end', () => {
      if (!call.writableEnded) call.end();
    });
  };
}
