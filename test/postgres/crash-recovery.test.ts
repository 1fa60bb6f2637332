/**
 * A dead instance's work is not lost: a child server (started as users start it) runs operations and is
 * killed with SIGKILL; once their leases expire, the other instance's rescuer requeues them and runs them
 * again (attempt 2).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { metadataOf } from '../helpers/grpc-client.js';
import { listAll, responseJson } from '../helpers/operations.js';
import { freshSchemaUrl, postgresAvailable, type FreshSchema } from '../helpers/postgres.js';
import type { TestServer } from '../helpers/server.js';
import { kinds as crashKinds } from './fixtures/crash-kinds.js';
import { startChildInstance, startInstance, type ChildInstance } from './instances.js';

describe.skipIf(!(await postgresAvailable()))('an instance killed while it runs operations', () => {
  let schema: FreshSchema | undefined;
  let child: ChildInstance | undefined;
  let survivor: TestServer | undefined;

  afterAll(async () => {
    child?.grpc.close();
    await child?.kill();
    await survivor?.close();
    await schema?.cleanup();
  });

  it('SIGKILL → after the lease expires the other instance runs them again, and none is lost', async () => {
    schema = await freshSchemaUrl();
    child = await startChildInstance([
      '--store', schema.url,
      '--lease', '2s',
      '--heartbeat', '300ms',
      '--kinds', 'test/postgres/fixtures/crash-kinds.ts',
    ]);
    const started = [];
    for (let i = 0; i < 5; i++) started.push(await child.grpc.start('test.crashable', { i }));
    const names = started.map((op) => op.name).sort();
    const childClient = child.grpc;
    await eventually(async () => {
      const ops = await listAll(childClient);
      return ops.length === 5 && ops.every((op) => metadataOf(op).state === 'RUNNING');
    });

    // Started only now, so it cannot have claimed any of them: they all run on the child.
    survivor = await startInstance(schema.url, { instanceId: 'survivor', leaseMs: 2_000, heartbeatMs: 300, kinds: crashKinds });
    await child.kill('SIGKILL');

    const survivorClient = survivor.grpc;
    const done = await eventually(
      async () => {
        const ops = await listAll(survivorClient);
        return ops.every((op) => op.done) ? ops : undefined;
      },
      { timeoutMs: 20_000 },
    );
    expect(done.map((op) => op.name).sort()).toEqual(names);
    for (const op of done) {
      expect(metadataOf(op)).toMatchObject({ state: 'SUCCEEDED', attempt: 2 });
      expect(responseJson(op)).toEqual({ attempt: 2 });
    }
  });
});
