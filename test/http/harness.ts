/**
 * A real server (startTestServer: SQLite file, runner, both listeners) plus a second HTTP transport over
 * the same services, for fastify inject() tests that need its own shutdown signal.
 */
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { expect } from 'vitest';
import { createHttpServer, type HttpServerHandle, type HttpServerOptions } from '../../src/transport/http/http-server.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

export interface HttpHarness {
  t: TestServer;
  http: HttpServerHandle;
  shutdown: AbortController;
  inject(request: InjectOptions | string): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function startHttpHarness(options: HttpServerOptions = {}): Promise<HttpHarness> {
  const t = await startTestServer();
  const shutdown = new AbortController();
  const http = createHttpServer(t.server.services, pino({ level: 'silent' }), shutdown.signal, options);
  await http.app.ready();
  return {
    t,
    http,
    shutdown,
    inject: (request) => http.app.inject(request),
    async close() {
      await http.close();
      await t.close();
    },
  };
}

export interface ErrorEnvelope {
  error: {
    code: number;
    message: string;
    status: string;
    details: Array<{ '@type': string; reason: string; domain: string; metadata: Record<string, string> }>;
  };
}

/** Asserts the response is the Google error envelope with this HTTP status (and status name); returns it. */
export function expectEnvelope(res: LightMyRequestResponse, httpStatus: number, status?: string): ErrorEnvelope['error'] {
  expect(res.statusCode, res.body).toBe(httpStatus);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(res.body) as ErrorEnvelope;
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(httpStatus);
  expect(typeof body.error.message).toBe('string');
  if (status) expect(body.error.status).toBe(status);
  expect(body.error.details[0]).toMatchObject({ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', domain: 'lro.v1' });
  return body.error;
}

export interface OperationJson {
  name: string;
  done: boolean;
  metadata: { '@type': string; state: string; kind: string; requestedCancellation?: boolean };
  error?: { code: number; message: string; details: Array<{ '@type': string; reason: string }> };
  response?: { '@type': string; value: Record<string, unknown> };
}

export const json = <T = OperationJson>(res: LightMyRequestResponse): T => {
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return JSON.parse(res.body) as T;
};
