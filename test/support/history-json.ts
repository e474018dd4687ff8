// Stored histories as proto JSON (the format of `temporal workflow show --output json`), for the
// replay tests and bench/workflow-replay.ts. No jest here: the build compiles it with the benches.
import path from 'node:path';
import * as temporalRoot from '@temporalio/proto';
import { temporal } from '@temporalio/proto';

interface ProtoJson {
  toJson(type: unknown, message: unknown): unknown;
  fromJson(type: unknown, json: unknown, options: { ignoreUnknownFields: boolean }): unknown;
}

/**
 * Proto JSON for histories (the format of `temporal workflow show --output json`). The SDK's own
 * historyToJSON / historyFromJSON fail in this install ("type must be a Type"): npm nested two
 * copies of protobufjs 8 (under @temporalio/common and @temporalio/proto, because the root holds
 * 7.x), and common's copy does not recognise proto's types. Using the copy @temporalio/proto
 * resolves keeps both halves in one protobufjs.
 */
function historyCodec(): { protojson: ProtoJson; historyType: unknown } {
  const protoDir = path.dirname(require.resolve('@temporalio/proto'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- must be the copy next to @temporalio/proto
  const protojson = require(require.resolve('protobufjs/ext/protojson', { paths: [protoDir] })) as ProtoJson;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { patchProtobufRoot } = require('@temporalio/proto/lib/patch-protobuf-root') as { patchProtobufRoot: (root: unknown) => { lookupType(name: string): unknown } };
  return { protojson, historyType: patchProtobufRoot(temporalRoot).lookupType('temporal.api.history.v1.History') };
}

export function historyToJson(history: temporal.api.history.v1.IHistory): string {
  const { protojson, historyType } = historyCodec();
  return JSON.stringify(protojson.toJson(historyType, temporal.api.history.v1.History.fromObject(history)), null, 2);
}

export function historyFromJson(json: unknown): temporal.api.history.v1.IHistory {
  const { protojson, historyType } = historyCodec();
  return protojson.fromJson(historyType, json, { ignoreUnknownFields: true }) as temporal.api.history.v1.IHistory;
}
