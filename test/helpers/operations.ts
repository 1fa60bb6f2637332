/** Small helpers shared by the integration tests: listing everything, waiting until done, reading timestamps. */
import { eventually } from './eventually.js';
import { protos } from '../../src/proto/protos.js';
import { fromStruct, type JsonObject, type StructMessage } from '../../src/proto/struct.js';
import { metadataOf, type GrpcClient, type Operation } from './grpc-client.js';

/** Every operation the filter matches, following page tokens to the end. */
export async function listAll(client: GrpcClient, filter = '', pageSize = 1000): Promise<Operation[]> {
  const all: Operation[] = [];
  let pageToken = '';
  for (let pages = 0; ; pages++) {
    if (pages > 10_000) throw new Error('too many pages');
    const page = await client.listOperations({ filter, pageSize, pageToken });
    all.push(...page.operations);
    if (!page.nextPageToken) return all;
    pageToken = page.nextPageToken;
  }
}

export async function countOperations(client: GrpcClient): Promise<number> {
  return (await listAll(client)).length;
}

/** Polls GetOperation until the operation is done (no sleeps: a poll with a deadline). */
export async function untilDone(client: GrpcClient, name: string, timeoutMs = 15_000): Promise<Operation> {
  return eventually(
    async () => {
      const op = await client.getOperation({ name });
      return op.done ? op : undefined;
    },
    { timeoutMs },
  );
}

/** Polls GetOperation until the operation is RUNNING (its handler has started). */
export async function untilRunning(client: GrpcClient, name: string, timeoutMs = 10_000): Promise<Operation> {
  return eventually(
    async () => {
      const op = await client.getOperation({ name });
      return metadataOf(op).state === 'RUNNING' ? op : undefined;
    },
    { timeoutMs },
  );
}

/** A google.protobuf.Timestamp (object form) as ms since epoch. */
export function timestampMs(ts: { seconds: string | number; nanos: number } | null | undefined): number {
  if (!ts) return NaN;
  return Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6);
}

/** A promise and the function that resolves it: lets a test kind's handler wait for the test. */
export function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/**
 * Operation.response (an Any of google.protobuf.Struct) as plain JSON. Unlike grpc-client.ts's responseOf,
 * this decodes with `oneofs: true`, which Struct's Value needs to say which kind of value it holds.
 */
export function responseJson(op: Operation): JsonObject {
  if (!op.response) throw new Error(`${op.name} has no response (done=${op.done}, error=${op.error?.message ?? 'none'})`);
  const { response } = op;
  const typeName = response.type_url.slice(response.type_url.lastIndexOf('/') + 1);
  if (typeName !== 'google.protobuf.Struct') throw new Error(`${op.name}: response is a ${typeName}, not a Struct`);
  const type = protos().type(typeName);
  const struct = type.toObject(type.decode(response.value), { longs: String, enums: String, defaults: true, oneofs: true });
  return fromStruct(struct as StructMessage);
}
