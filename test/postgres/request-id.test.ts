/**
 * request_id (AIP-155) across two instances on one PostgreSQL schema, at the API level: a start repeated on
 * the other instance, or sent to both at once, names one operation and starts nothing new; reusing the id
 * for other input is refused on either instance.
 */
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grpcFailure, metadataOf } from '../helpers/grpc-client.js';
import { listAll, untilDone } from '../helpers/operations.js';
import { freshSchemaUrl, postgresAvailable, type FreshSchema } from '../helpers/postgres.js';
import type { TestServer } from '../helpers/server.js';
import { startInstance } from './instances.js';

describe.skipIf(!(await postgresAvailable()))('request_id across two instances', () => {
  let schema: FreshSchema;
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    schema = await freshSchemaUrl();
    [a, b] = await Promise.all([startInstance(schema.url, { instanceId: 'A' }), startInstance(schema.url, { instanceId: 'B' })]);
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await schema?.cleanup();
  });

  it('a start repeated on the other instance names the same operation, before and after it is done', async () => {
    const input = { seconds: 0.05, steps: 1 };
    const first = await a.grpc.start('demo.sleep', input, 'rid-across');
    const again = await b.grpc.start('demo.sleep', input, 'rid-across');
    expect(again.name).toBe(first.name);
    const done = await untilDone(b.grpc, first.name);
    expect(metadataOf(done).state).toBe('SUCCEEDED');
    expect(await a.grpc.start('demo.sleep', input, 'rid-across')).toEqual(done);
    expect(await b.grpc.start('demo.sleep', input, 'rid-across')).toEqual(done);
    expect((await listAll(a.grpc)).filter((o) => o.name === first.name)).toHaveLength(1);
  });

  it('starts sent to both instances at once create one operation', async () => {
    const before = (await listAll(a.grpc)).length;
    const input = { seconds: 0.05, steps: 1 };
    const ops = await Promise.all(
      Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? a : b).grpc.start('demo.sleep', input, 'rid-together')),
    );
    expect(new Set(ops.map((o) => o.name)).size).toBe(1);
    expect(await listAll(b.grpc)).toHaveLength(before + 1);
  });

  it('reusing the id with other input is ALREADY_EXISTS on either instance, and writes nothing', async () => {
    await a.grpc.start('demo.sleep', { seconds: 0.05, steps: 1 }, 'rid-reused');
    const before = (await listAll(a.grpc)).length;
    for (const server of [a, b]) {
      const f = await grpcFailure(server.grpc.start('demo.sleep', { seconds: 0.06, steps: 1 }, 'rid-reused'));
      expect(f).toMatchObject({ code: status.ALREADY_EXISTS, reason: 'REQUEST_ID_REUSED' });
    }
    expect(await listAll(b.grpc)).toHaveLength(before);
  });
});
