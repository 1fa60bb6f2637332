/**
 * A helper process for the peers: the bare fastify and bare grpc-js baselines, BullMQ and pg-boss. Each
 * peer library is imported only when its call comes, so a missing driver fails that call alone.
 */
import { serveCalls } from '../ipc.js';

const closers: (() => Promise<void>)[] = [];

async function closeAll(): Promise<void> {
  await Promise.all(closers.splice(0).map((c) => c().catch(() => {})));
}

serveCalls(
  {
    async bareHttp(p: { body: Uint8Array; contentType: string }) {
      const { startBareHttp } = await import('./bare-http.js');
      const server = await startBareHttp(p.body, p.contentType);
      closers.push(server.close);
      return server.url;
    },
    async bareGrpc(p: { response: Uint8Array }) {
      const { startBareGrpc } = await import('./bare-grpc.js');
      const server = await startBareGrpc(p.response);
      closers.push(server.close);
      return { address: server.address, sameBytes: server.sameBytes };
    },
    closeServers: closeAll,
    usage() {
      const cpu = process.cpuUsage();
      return { cpuMicros: cpu.user + cpu.system, rss: process.memoryUsage().rss };
    },
    async bullmqThroughput(p: Parameters<typeof import('./bullmq-peer.js').bullmqThroughput>[0]) {
      return (await import('./bullmq-peer.js')).bullmqThroughput(p);
    },
    async bullmqCancel(p: Parameters<typeof import('./bullmq-peer.js').bullmqCancel>[0]) {
      return (await import('./bullmq-peer.js')).bullmqCancel(p);
    },
    async pgbossThroughput(p: Parameters<typeof import('./pgboss-peer.js').pgbossThroughput>[0]) {
      return (await import('./pgboss-peer.js')).pgbossThroughput(p);
    },
    async pgbossCancel(p: Parameters<typeof import('./pgboss-peer.js').pgbossCancel>[0]) {
      return (await import('./pgboss-peer.js')).pgbossCancel(p);
    },
  },
  closeAll,
);
