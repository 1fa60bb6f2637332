// Placeholder until the HTTP/JSON transcoder lands (issue 3).
import type { Logger } from 'pino';
import type { ServiceImplementation } from '../../operations/call-context.js';
import type { ServiceName } from '../../proto/protos.js';
import fastify from 'fastify';

export function createHttpServer(_impl: Record<ServiceName, ServiceImplementation>, logger: Logger, _shutdown: AbortSignal) {
  const app = fastify({ loggerInstance: logger.child({ transport: 'http' }) });
  return {
    app,
    async listen(host: string, port: number): Promise<number> {
      await app.listen({ host, port });
      const addr = app.server.address();
      return typeof addr === 'object' && addr ? addr.port : port;
    },
    async close(): Promise<void> {
      await app.close();
    },
  };
}
