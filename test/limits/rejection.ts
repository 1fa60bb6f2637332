/** Shared checks of a rejection over HTTP and gRPC: RESOURCE_EXHAUSTED with RetryInfo, 429 with Retry-After. */
import { status as grpcStatus } from '@grpc/grpc-js';
import { expect } from 'vitest';
import { unpackAny } from '../../src/proto/any.js';
import { errorInfoOf, statusOf, type GrpcError } from '../helpers/grpc-client.js';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  json: Record<string, any> | undefined;
}

/** An HTTP call to a server's HTTP listener: status, headers and the parsed JSON body. */
export async function httpCall(base: string, method: string, path: string, body?: unknown): Promise<HttpAnswer> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text === '' ? undefined : (JSON.parse(text) as Record<string, any>) };
}

/** The answer is HTTP 429 with Retry-After and the envelope: RESOURCE_EXHAUSTED, ErrorInfo `reason`, RetryInfo. */
export function expectHttpRejection(res: HttpAnswer, reason: string): void {
  expect(res.status, JSON.stringify(res.json)).toBe(429);
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  const error = res.json!.error as { code: number; status: string; details: Array<Record<string, any>> };
  expect(error.code).toBe(429);
  expect(error.status).toBe('RESOURCE_EXHAUSTED');
  expect(error.details.find((d) => d['@type'].endsWith('/google.rpc.ErrorInfo'))).toMatchObject({ reason, domain: 'lro.v1' });
  expect(error.details.find((d) => d['@type'].endsWith('/google.rpc.RetryInfo'))?.retryDelay).toMatch(/^\d+(\.\d+)?s$/);
}

/** The call failed with RESOURCE_EXHAUSTED, the ErrorInfo `reason` and a RetryInfo in grpc-status-details-bin. */
export async function expectGrpcRejection(call: Promise<unknown>, reason: string): Promise<void> {
  const err = await call.then(
    () => expect.fail('the call succeeded, but it was expected to be rejected'),
    (e: GrpcError) => e,
  );
  expect(err.code).toBe(grpcStatus.RESOURCE_EXHAUSTED);
  const status = statusOf(err);
  expect(errorInfoOf(status).reason).toBe(reason);
  const retry = status.details.find((d) => d.type_url.endsWith('/google.rpc.RetryInfo'));
  expect(retry, 'a google.rpc.RetryInfo detail').toBeDefined();
  const { retryDelay } = unpackAny(retry!).object as { retryDelay: { seconds: string | number; nanos: number } };
  expect(Number(retryDelay.seconds) * 1000 + retryDelay.nanos / 1e6).toBeGreaterThan(0);
}
