/**
 * `GET /metrics` on the HTTP listener: the Prometheus text of this server (metrics/server-metrics.ts).
 * Open like gRPC health and reflection, also with auth on: scrapers seldom carry tokens, and the text holds
 * only aggregate numbers by kind, state, RPC and code (no operation names, labels, principals or inputs).
 */
import type { FastifyInstance } from 'fastify';

export interface MetricsSource {
  readonly contentType: string;
  /** Never rejects: a failing collector is left out of the text. */
  render(): Promise<string>;
}

export function addMetricsRoute(app: FastifyInstance, metrics: MetricsSource): void {
  app.get('/metrics', async (_request, reply) =>
    reply.header('content-type', metrics.contentType).header('cache-control', 'no-store').send(await metrics.render()),
  );
}
