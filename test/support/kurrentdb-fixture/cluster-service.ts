/**
 * `ServerFeatures.GetSupportedMethods` (the client asks it once per connection to choose between
 * Append and BatchAppend) and `Gossip.Read` (a one-member cluster whose leader is this fixture,
 * so `+discover` URLs resolve to it).
 */
import type * as grpc from '@grpc/grpc-js';
import { uuidMessage } from './convert.js';
import type { sharedPb } from './protocol.js';
import { featuresPb, gossipPb } from './protocol.js';

type SupportedMethods = InstanceType<typeof featuresPb.SupportedMethods>;
type ClusterInfo = InstanceType<typeof gossipPb.ClusterInfo>;
type Empty = InstanceType<typeof sharedPb.Empty>;

/** Reported as the server version: a recent version line, so the client enables what it has. */
export const FIXTURE_SERVER_VERSION = '24.10.0';

const SERVED: ReadonlyArray<{ service: string; methods: string[] }> = [
  { service: 'event_store.client.streams.Streams', methods: ['Read', 'Append', 'BatchAppend'] },
  { service: 'event_store.client.gossip.Gossip', methods: ['Read'] },
  { service: 'event_store.client.server_features.ServerFeatures', methods: ['GetSupportedMethods'] },
];

export function supportedMethodsHandler(): grpc.handleUnaryCall<Empty, SupportedMethods> {
  return (_call, callback) => {
    const reply = new featuresPb.SupportedMethods().setEventStoreServerVersion(FIXTURE_SERVER_VERSION);
    for (const { service, methods } of SERVED) {
      for (const method of methods) {
        reply.addMethods(new featuresPb.SupportedMethod().setServiceName(service).setMethodName(method));
      }
    }
    callback(null, reply);
  };
}

export function gossipHandler(host: string, port: () => number, instanceId: string): grpc.handleUnaryCall<Empty, ClusterInfo> {
  return (_call, callback) => {
    const member = new gossipPb.MemberInfo()
      .setInstanceId(uuidMessage(instanceId, true))
      .setTimeStamp(String(BigInt(Date.now()) * 10_000n))
      .setState(gossipPb.MemberInfo.VNodeState.LEADER)
      .setIsAlive(true)
      .setHttpEndPoint(new gossipPb.EndPoint().setAddress(host).setPort(port()));
    callback(null, new gossipPb.ClusterInfo().setMembersList([member]));
  };
}
