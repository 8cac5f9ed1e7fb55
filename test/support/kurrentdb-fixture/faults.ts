/** Failures a test can ask the fixture to inject into its next appends. */
import * as grpc from '@grpc/grpc-js';

/**
 * - `unavailable`: the append fails with gRPC UNAVAILABLE (code 14) and stores nothing.
 * - `not-leader`: the append is refused as by a follower, naming this node as the leader.
 * - `drop-after-commit`: the events are stored, then the call fails with UNAVAILABLE, as when
 *   the connection drops before the reply arrives. A retry must not store them twice.
 */
export type AppendFault = 'unavailable' | 'not-leader' | 'drop-after-commit';

export class FaultQueue {
  private readonly appendFaults: AppendFault[] = [];

  add(fault: AppendFault, times: number): void {
    for (let i = 0; i < times; i += 1) this.appendFaults.push(fault);
  }

  nextAppendFault(): AppendFault | undefined {
    return this.appendFaults.shift();
  }

  get pendingAppendFaults(): number {
    return this.appendFaults.length;
  }
}

export function unavailableStatus(): Partial<grpc.StatusObject> {
  return { code: grpc.status.UNAVAILABLE, details: 'fixture: connection dropped' };
}

/** The status the server gives a write that reached a follower: NOT_FOUND plus leader trailers. */
export function notLeaderStatus(host: string, port: number): Partial<grpc.StatusObject> {
  const metadata = new grpc.Metadata();
  metadata.set('exception', 'not-leader');
  metadata.set('leader-endpoint-host', host);
  metadata.set('leader-endpoint-port', String(port));
  return { code: grpc.status.NOT_FOUND, details: 'Leader info available', metadata };
}
