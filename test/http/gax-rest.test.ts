/**
 * google-gax's OperationsClient over its REST fallback transport against a real socket: get, list (paged),
 * cancel and delete, with errors arriving as GoogleErrors carrying the right google.rpc code and ErrorInfo.
 */
import { GoogleError, googleAuthLibrary, type OperationsClient } from 'google-gax';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { protos } from '../../src/proto/protos.js';
import { eventually } from '../helpers/eventually.js';
import { createHeldKind } from '../helpers/held-kind.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { fetchAuth, restOperationsClient } from './gax-clients.js';

let t: TestServer;
const failed: string[] = [];

// A kind that cannot be cancelled and stays running till the file ends (the server's close waits for such work).
const irreversible = createHeldKind('test.irreversible', { cancellable: false });

beforeAll(async () => {
  t = await startTestServer({ kinds: [irreversible.kind] });
  for (let i = 0; i < 5; i++) failed.push((await t.grpc.start('demo.fail', { code: 5 })).name);
  for (const name of failed) await t.grpc.waitOperation({ name, timeout: { seconds: 20 } });
});
afterAll(async () => {
  irreversible.releaseAll();
  await t?.close();
});

interface GaxOperation {
  name: string;
  done: boolean;
  metadata?: { type_url: string; value: Uint8Array } | null;
  error?: { code: number; message: string } | null;
}
const req = (o: object) => o as never;
const kindOf = (op: GaxOperation) => {
  const type = protos().type('lro.v1.OperationMetadata');
  return (type.toObject(type.decode(op.metadata!.value)) as { kind: string }).kind;
};

async function failure(p: Promise<unknown>): Promise<GoogleError> {
  try {
    await p;
  } catch (err) {
    return err as GoogleError;
  }
  throw new Error('expected the call to fail');
}

describe.each(['bundled', 'ours'] as const)('OperationsClient (REST, %s rules)', (rules) => {
  const urls: string[] = [];
  let client: OperationsClient;
  beforeAll(() => {
    client = restOperationsClient(t.http, rules, fetchAuth(urls));
  });
  afterAll(() => client?.close());

  const get = async (name: string) => (await client.getOperation(req({ name })))[0] as unknown as GaxOperation;

  it('gets an operation, by the URL form of its rules', async () => {
    const op = await get(failed[0]!);
    expect(op).toMatchObject({ name: failed[0], done: true, error: { code: 5 } });
    expect(kindOf(op)).toBe('kinds/demo.fail');
    const id = failed[0]!.slice('operations/'.length);
    const sent = urls.filter((u) => u.includes(id)).map((u) => new URL(u).pathname);
    expect(sent).toEqual([rules === 'bundled' ? `/v1/operations/operations%2F${id}` : `/v1/operations/${id}`]);
  });

  it('lists with paging, automatic and by hand', async () => {
    const filter = 'metadata.kind = "kinds/demo.fail"';
    const all: string[] = [];
    for await (const op of client.listOperationsAsync(req({ name: 'operations', filter, pageSize: 2 }), { autoPaginate: false })) {
      all.push((op as GaxOperation).name);
    }
    expect(all).toEqual([...failed].reverse());
    const [flat] = (await client.listOperations(req({ name: 'operations', filter, pageSize: 2 }))) as unknown as [GaxOperation[]];
    expect(flat.map((o) => o.name)).toEqual([...failed].reverse());
    expect(urls.filter((u) => u.includes('pageToken=')).length).toBeGreaterThanOrEqual(4);
    type Page = [GaxOperation[], { pageToken: string } | null];
    const [page, next] = (await client.listOperations(req({ name: 'operations', filter, pageSize: 3 }), { autoPaginate: false })) as unknown as Page;
    expect(page).toHaveLength(3);
    expect(next?.pageToken).not.toBe('');
    const [rest, end] = (await client.listOperations(next as never, { autoPaginate: false })) as unknown as Page;
    expect(rest).toHaveLength(2);
    expect(end).toBeNull();
  });

  it('cancels a running operation and deletes it once done', async () => {
    const started = await t.grpc.start('demo.sleep', { seconds: 60 });
    await client.cancelOperation(req({ name: started.name }));
    const done = await eventually(async () => {
      const op = await get(started.name);
      return op.done ? op : undefined;
    });
    expect(done.error?.code).toBe(1);
    await client.deleteOperation(req({ name: started.name }));
    expect((await failure(get(started.name))).code).toBe(5);
  });

  it('receives errors with their google.rpc code and ErrorInfo', async () => {
    const missing = await failure(get('operations/01aaaaaaaaaaaaaaaaaaaaaaaa'));
    expect(missing).toBeInstanceOf(GoogleError);
    expect(missing).toMatchObject({ code: 5, reason: 'OPERATION_NOT_FOUND', domain: 'lro.v1' });

    const purge = await t.grpc.start('test.irreversible', {});
    expect(await failure(client.cancelOperation(req({ name: purge.name })))).toMatchObject({ code: 12, reason: 'CANCELLATION_NOT_SUPPORTED' });
    expect(await failure(client.deleteOperation(req({ name: purge.name })))).toMatchObject({ code: 9, reason: 'OPERATION_NOT_DONE' });
    expect(await failure(client.cancelOperation(req({ name: failed[0] })))).toMatchObject({ code: 9, reason: 'OPERATION_ALREADY_DONE' });
    expect(await failure(client.listOperations(req({ name: 'operations', filter: 'nope ~ 1' })))).toMatchObject({ code: 3 });
    expect(await failure(get('operations/not_an_id!'))).toMatchObject({ code: 3, reason: 'INVALID_NAME' });
  });
});

describe("google-auth-library's anonymous PassThroughClient", () => {
  it('works for calls; gaxios surfaces errors itself, with the HTTP status', async () => {
    const client = restOperationsClient(t.http, 'bundled', new googleAuthLibrary.PassThroughClient());
    try {
      const [op] = await client.getOperation(req({ name: failed[1] }));
      expect(op.name).toBe(failed[1]);
      // gaxios throws on a non-2xx before gax can decode the body (a gax 5 / gaxios 7 limitation).
      const err = (await failure(client.getOperation(req({ name: 'operations/01aaaaaaaaaaaaaaaaaaaaaaaa' })))) as unknown as { status: number };
      expect(err.status).toBe(404);
    } finally {
      client.close();
    }
  });
});
