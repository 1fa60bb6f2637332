/** The HTTP baseline: bare fastify answering GET /v1/operations/:id with the exact bytes our server sent. */
import Fastify from 'fastify';

export async function startBareHttp(body: Uint8Array, contentType: string): Promise<{ url: string; close(): Promise<void> }> {
  const app = Fastify({ logger: false });
  const bytes = Buffer.from(body);
  app.get('/v1/operations/:id', (_req, reply) => {
    void reply.header('content-type', contentType).send(bytes);
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, close: () => app.close() };
}
