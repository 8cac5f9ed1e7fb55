// The gRPC fixture itself, spoken to by the raw client: the paths the adapter does not take.
// The client uses Streams.Append (instead of BatchAppend) when a call carries its own credentials.
import { randomUUID } from 'node:crypto';
import type { KurrentDBClient } from '@kurrent/kurrentdb-client';
import { KurrentDBClient as Client, jsonEvent, StreamNotFoundError, WrongExpectedVersionError } from '@kurrent/kurrentdb-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KurrentDbFixture } from '../../support/kurrentdb-fixture/index.js';
import { startKurrentDbFixture } from '../../support/kurrentdb-fixture/index.js';

describe('KurrentDB gRPC fixture', () => {
  let fixture: KurrentDbFixture;
  let client: KurrentDBClient;
  const credentials = { username: 'admin', password: 'changeit' };

  beforeAll(async () => {
    fixture = await startKurrentDbFixture();
    client = Client.connectionString(fixture.url);
  });
  afterAll(async () => {
    await client.dispose();
    await fixture.stop();
  });

  it('serves Streams.Append with expected-revision checks and idempotent ids', async () => {
    const stream = `plain-${randomUUID()}`;
    const event = jsonEvent({ id: randomUUID(), type: 'A', data: { n: 1 } });
    const first = await client.appendToStream(stream, [event], { streamState: 'no_stream', credentials });
    const again = await client.appendToStream(stream, [event], { streamState: 'no_stream', credentials });
    expect(again).toEqual(first);
    expect(first).toMatchObject({ success: true, nextExpectedRevision: 0n });
    const conflict = client.appendToStream(stream, [jsonEvent({ type: 'B', data: {} })], { streamState: 5n, credentials });
    await expect(conflict).rejects.toBeInstanceOf(WrongExpectedVersionError);
    await expect(conflict).rejects.toMatchObject({ streamName: stream, expectedState: 5n, actualState: 0n });
    expect(fixture.storedEvents(stream)).toHaveLength(1);
  });

  it('answers a read of a missing stream with stream-not-found, and keeps data across stop and start', async () => {
    const reading = async (stream: string) => {
      const revisions: bigint[] = [];
      for await (const resolved of client.readStream(stream)) revisions.push(resolved.event?.revision ?? -1n);
      return revisions;
    };
    await expect(reading(`missing-${randomUUID()}`)).rejects.toBeInstanceOf(StreamNotFoundError);
    const stream = `kept-${randomUUID()}`;
    await client.appendToStream(stream, [jsonEvent({ type: 'A', data: {} })]);
    const port = fixture.port;
    await fixture.stop();
    expect(fixture.running).toBe(false);
    await fixture.start();
    expect(fixture.port).toBe(port);
    expect(fixture.storedEvents(stream)).toHaveLength(1);
  });
});
