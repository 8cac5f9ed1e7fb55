/** Conversions between the fixture's log records and the wire messages of the client's protocol. */
import type { LoggedEvent } from './fixture-log.js';
import type { ReadResp, StreamIdentifier, Uuid } from './protocol.js';
import { sharedPb, streamsPb } from './protocol.js';

/** Unix-epoch ticks of 100 ns, the unit the server uses for `created`. */
const TICKS_PER_MS = 10_000n;
const U64 = 1n << 64n;

export function uuidToString(uuid: Uuid | undefined): string {
  if (!uuid) throw new Error('an event id is missing');
  if (uuid.hasStructured()) {
    const structured = uuid.getStructured();
    const hex = (value: string | undefined): string =>
      ((BigInt(value ?? '0') + U64) % U64).toString(16).padStart(16, '0');
    const most = hex(structured?.getMostSignificantBits());
    const least = hex(structured?.getLeastSignificantBits());
    return `${most.slice(0, 8)}-${most.slice(8, 12)}-${most.slice(12)}-${least.slice(0, 4)}-${least.slice(4)}`;
  }
  return uuid.getString().toLowerCase();
}

export function uuidMessage(id: string, structured: boolean): Uuid {
  const uuid = new sharedPb.UUID();
  if (!structured) return uuid.setString(id);
  const hex = id.replace(/-/g, '');
  const signed = (part: string): string => BigInt.asIntN(64, BigInt(`0x${part}`)).toString();
  const value = new sharedPb.UUID.Structured()
    .setMostSignificantBits(signed(hex.slice(0, 16)))
    .setLeastSignificantBits(signed(hex.slice(16)));
  return uuid.setStructured(value);
}

export function streamName(identifier: StreamIdentifier | undefined): string {
  if (!identifier) throw new Error('a stream identifier is missing');
  return Buffer.from(identifier.getStreamName_asU8()).toString('utf8');
}

export function streamIdentifier(name: string): StreamIdentifier {
  return new sharedPb.StreamIdentifier().setStreamName(Buffer.from(name, 'utf8'));
}

export function readEvent(event: LoggedEvent, structuredIds: boolean): ReadResp.ReadEvent {
  const recorded = new streamsPb.ReadResp.ReadEvent.RecordedEvent()
    .setId(uuidMessage(event.id, structuredIds))
    .setStreamIdentifier(streamIdentifier(event.stream))
    .setStreamRevision(event.revision.toString())
    .setCommitPosition(event.position.toString())
    .setPreparePosition(event.position.toString())
    .setData(event.data)
    .setCustomMetadata(event.metadata);
  const map = recorded.getMetadataMap();
  map.set('type', event.type);
  map.set('content-type', event.contentType);
  map.set('created', (BigInt(event.createdMs) * TICKS_PER_MS).toString());
  return new streamsPb.ReadResp.ReadEvent().setEvent(recorded).setCommitPosition(event.position.toString());
}
