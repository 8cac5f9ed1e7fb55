/**
 * The client's own generated protocol code, loaded from inside the installed
 * `@kurrent/kurrentdb-client` package. The fixture serves exactly the service definitions and
 * message classes the client was built with, so a protocol mismatch shows up as a failing test
 * instead of a fixture that quietly speaks a different dialect.
 *
 * Loaded with `require` relative to the client package because google-protobuf output is
 * CommonJS whose exports Node's ESM loader cannot see by name, and because the well-known types
 * (`Any`, `Empty`, `Timestamp`) must come from the client's own google-protobuf copy.
 */
import { createRequire } from 'node:module';
import type * as StreamsPb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/streams_pb.js';
import type * as StreamsGrpc from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/streams_grpc_pb.js';
import type * as SharedPb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/shared_pb.js';
import type * as StatusPb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/status_pb.js';
import type * as CodePb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/code_pb.js';
import type * as GossipPb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/gossip_pb.js';
import type * as GossipGrpc from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/gossip_grpc_pb.js';
import type * as FeaturesPb from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/serverfeatures_pb.js';
import type * as FeaturesGrpc from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/serverfeatures_grpc_pb.js';
import type * as AnyPb from 'google-protobuf/google/protobuf/any_pb.js';
import type * as EmptyPb from 'google-protobuf/google/protobuf/empty_pb.js';
import type * as TimestampPb from 'google-protobuf/google/protobuf/timestamp_pb.js';

const clientRequire = createRequire(createRequire(import.meta.url).resolve('@kurrent/kurrentdb-client'));
const v1 = (file: string): unknown => clientRequire(`../generated/kurrentdb/protocols/v1/${file}`);

export const streamsPb = v1('streams_pb.js') as typeof StreamsPb;
export const streamsGrpc = v1('streams_grpc_pb.js') as typeof StreamsGrpc;
export const sharedPb = v1('shared_pb.js') as typeof SharedPb;
export const statusPb = v1('status_pb.js') as typeof StatusPb;
export const codePb = v1('code_pb.js') as typeof CodePb;
export const gossipPb = v1('gossip_pb.js') as typeof GossipPb;
export const gossipGrpc = v1('gossip_grpc_pb.js') as typeof GossipGrpc;
export const featuresPb = v1('serverfeatures_pb.js') as typeof FeaturesPb;
export const featuresGrpc = v1('serverfeatures_grpc_pb.js') as typeof FeaturesGrpc;
export const anyPb = clientRequire('google-protobuf/google/protobuf/any_pb.js') as typeof AnyPb;
export const emptyPb = clientRequire('google-protobuf/google/protobuf/empty_pb.js') as typeof EmptyPb;
export const timestampPb = clientRequire('google-protobuf/google/protobuf/timestamp_pb.js') as typeof TimestampPb;

export type {
  AppendReq,
  AppendResp,
  BatchAppendReq,
  BatchAppendResp,
  ReadReq,
  ReadResp,
} from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/streams_pb.js';
export type {
  StreamIdentifier,
  UUID as Uuid,
} from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/shared_pb.js';
