/**
 * An AbortSignal aborts the call on the wire, not only the promise: a WaitOperation (the unary call that
 * holds a server resource the longest) aborted through either wire releases the server's waiter, and a
 * session's wait aborted by its signal rejects with the signal's reason. (A watch with cancelOnDisconnect,
 * whose abort cancels the operation, is in watch.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { createSession } from '../../src/client/index.js';
import { createGrpcTransport } from '../../src/client/grpc-transport.js';
import { createHttpTransport } from '../../src/client/http-transport.js';
import { parseServerUrl } from '../../src/client/server-url.js';
import { eventually } from '../helpers/eventually.js';
import { untilRunning } from '../helpers/operations.js';
import { serverUrl, useTestServer, WIRES } from './wires.js';

const server = useTestServer();

describe.each(WIRES)('aborting over %s', (wire) => {
  it('an aborted WaitOperation ends on the wire: the server releases its waiter', async () => {
    const t = server();
    const op = await t.grpc.start('demo.sleep', { seconds: 600 });
    await untilRunning(t.grpc, op.name);
    const address = parseServerUrl(serverUrl(t, wire));
    const transport = wire === 'http' ? createHttpTransport(address, undefined) : createGrpcTransport(address, undefined);
    try {
      const controller = new AbortController();
      const waiting = transport.waitOperation(op.name, 60_000, { signal: controller.signal });
      await eventually(() => t.server.activeWaiters === 1);
      controller.abort(new Error('enough'));
      await expect(waiting).rejects.toThrow('enough');
      await eventually(() => t.server.activeWaiters === 0);
    } finally {
      transport.close();
      await t.grpc.cancelOperation({ name: op.name });
    }
  });

  it('a wait aborted by its signal rejects with the signal’s reason at once', async () => {
    const t = server();
    const session = createSession({ server: serverUrl(t, wire) });
    try {
      const op = await session.start('demo.sleep', { seconds: 600 });
      const controller = new AbortController();
      const seen: string[] = [];
      const waiting = op.wait({ signal: controller.signal, onProgress: (o) => (seen.push(o.metadata.state), controller.abort()) });
      await expect(waiting).rejects.toMatchObject({ name: 'AbortError' });
      expect(seen).toHaveLength(1);
      expect((await op.get()).done).toBe(false);
      await op.cancel();
    } finally {
      await session.close();
    }
  });
});
