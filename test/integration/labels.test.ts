/** Labels through the API (gRPC and HTTP/JSON): validated, stored, returned on every read, filtered on. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grpcFailure, metadataOf } from '../helpers/grpc-client.js';
import { listAll } from '../helpers/operations.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ concurrency: 0 }); // nothing runs: every operation stays queued
});
afterAll(async () => {
  await t?.close();
});

const labelsOf = (op: Parameters<typeof metadataOf>[0]) => (metadataOf(op) as unknown as { labels: Record<string, string> }).labels;

async function postJson(path: string, body: unknown) {
  const res = await fetch(`${t.http}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

describe('labels', () => {
  it('are stored and returned on start, Get, Wait and List, over gRPC and HTTP', async () => {
    const labels = { session: 'abc', team: 'infra-1', empty: '' };
    const op = await t.grpc.start('demo.sleep', {}, '', {}, labels);
    expect(labelsOf(op)).toEqual(labels);
    expect(labelsOf(await t.grpc.getOperation({ name: op.name }))).toEqual(labels);
    expect(labelsOf(await t.grpc.waitOperation({ name: op.name, timeout: { seconds: 0 } }))).toEqual(labels);
    expect(labelsOf((await listAll(t.grpc, 'metadata.labels.session = "abc"'))[0]!)).toEqual(labels);

    const { json } = await postJson('/v1/kinds/demo.sleep:start', { labels: { session: 'http' } });
    expect((json.metadata as { labels: unknown }).labels).toEqual({ session: 'http' });
    const got = (await (await fetch(`${t.http}/v1/${String(json.name)}`)).json()) as { metadata: { labels: unknown } };
    expect(got.metadata.labels).toEqual({ session: 'http' });
    const none = (await postJson('/v1/kinds/demo.sleep:start', {})).json;
    expect((none.metadata as Record<string, unknown>).labels).toBeUndefined(); // an empty map is left out, as Google's APIs do
  });

  it.each([
    ['a key with capitals', { Session: 'x' }],
    ['a key starting with a digit', { '1x': 'x' }],
    ['a key with a dot', { 'a.b': 'x' }],
    ['a key of 64 characters', { [`a${'b'.repeat(63)}`]: 'x' }],
    ['a value of 64 characters', { k: 'v'.repeat(64) }],
    ['65 labels', Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v']))],
  ])('refuses %s with INVALID_ARGUMENT (INVALID_LABELS), gRPC and HTTP, and creates nothing', async (_what, labels) => {
    const before = (await listAll(t.grpc)).length;
    expect(await grpcFailure(t.grpc.start('demo.sleep', {}, '', {}, labels))).toMatchObject({ code: 3, reason: 'INVALID_LABELS' });
    const http = await postJson('/v1/kinds/demo.sleep:start', { labels });
    expect(http.status).toBe(400);
    expect((http.json.error as { details: { reason: string }[] }).details[0]?.reason).toBe('INVALID_LABELS');
    expect((await listAll(t.grpc)).length).toBe(before);
  });

  it('accepts the limits themselves: 64 labels, 63-character keys and values', async () => {
    const labels = Object.fromEntries(Array.from({ length: 64 }, (_, i) => [`k${i}${'x'.repeat(60 - String(i).length)}`, 'v'.repeat(63)]));
    expect(labelsOf(await t.grpc.start('demo.sleep', {}, '', {}, labels))).toEqual(labels);
  });

  it('a reused request_id with other labels is a reuse with other input (ALREADY_EXISTS); the same labels return the same operation', async () => {
    const first = await t.grpc.start('demo.sleep', { seconds: 1 }, 'label-req', {}, { session: 's1' });
    expect((await t.grpc.start('demo.sleep', { seconds: 1 }, 'label-req', {}, { session: 's1' })).name).toBe(first.name);
    expect(await grpcFailure(t.grpc.start('demo.sleep', { seconds: 1 }, 'label-req', {}, { session: 's2' }))).toMatchObject({
      code: 6,
      reason: 'REQUEST_ID_REUSED',
    });
  });

  it('the List filter selects by label with = and !=, combined with other fields', async () => {
    const a = await t.grpc.start('demo.sleep', {}, '', {}, { session: 'filter-a', role: 'x' });
    const b = await t.grpc.start('demo.hash', {}, '', {}, { session: 'filter-a' });
    const c = await t.grpc.start('demo.sleep', {}, '', {}, { session: 'filter-b' });
    const names = async (filter: string) => (await listAll(t.grpc, filter)).map((o) => o.name);
    expect(await names('metadata.labels.session = filter-a')).toEqual([b.name, a.name]);
    expect(await names('metadata.labels.session = filter-a AND metadata.kind = demo.sleep')).toEqual([a.name]);
    expect(await names('metadata.labels.role != x AND (metadata.labels.session = filter-a OR metadata.labels.session = filter-b)')).toEqual([
      c.name,
      b.name,
    ]);
    const viaHttp = (await (await fetch(`${t.http}/v1/operations?filter=${encodeURIComponent('metadata.labels.session = "filter-b"')}`)).json()) as {
      operations: { name: string }[];
    };
    expect(viaHttp.operations.map((o) => o.name)).toEqual([c.name]);
    expect(await grpcFailure(t.grpc.listOperations({ filter: 'metadata.labels.session > a' }))).toMatchObject({ code: 3, reason: 'INVALID_FILTER' });
  });
});
