/**
 * ListOperations over real gRPC: newest first, pagination over several pages (with and without a
 * filter), page sizes, page tokens bound to their filter, and the AIP-160 filter subset.
 */
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineKind } from '../../src/index.js';
import { eventually } from '../helpers/eventually.js';
import { grpcFailure, metadataOf, type Metadata, type Operation } from '../helpers/grpc-client.js';
import { countOperations, gate, listAll, timestampMs, untilRunning } from '../helpers/operations.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** Holds its worker until the test lets go; deaf to cancel, so a requested cancel stays visible while it runs. */
const release = gate();
const hold = defineKind({
  name: 'test.hold',
  description: 'Runs until the test releases it.',
  async handler() {
    await release.promise;
    return { held: true };
  },
});

let t: TestServer;
/** Every operation started, oldest first. */
const started: string[] = [];
const FAILED = 60;
const SUCCEEDED = 50;

beforeAll(async () => {
  t = await startTestServer({ concurrency: 2, kinds: [hold] });
  // 60 FAILED demo.fail, then 50 SUCCEEDED demo.purge, one after the other (ids are time-ordered).
  for (let i = 0; i < FAILED; i++) started.push((await t.grpc.start('demo.fail', { code: 5, message: `fail ${i}` })).name);
  for (let i = 0; i < SUCCEEDED; i++) started.push((await t.grpc.start('demo.purge', { seconds: 0 })).name);
  await eventually(async () => (await listAll(t.grpc, 'done = false')).length === 0);
  // Two holds take both workers (RUNNING); one of them gets a cancel request it ignores.
  const holds = [await t.grpc.start('test.hold', {}), await t.grpc.start('test.hold', {})];
  started.push(...holds.map((h) => h.name));
  for (const h of holds) await untilRunning(t.grpc, h.name);
  await t.grpc.cancelOperation({ name: holds[1]!.name });
  // Two demo.sleep stay QUEUED behind them; one is cancelled before it starts.
  const queued = [await t.grpc.start('demo.sleep', { seconds: 1 }), await t.grpc.start('demo.sleep', { seconds: 1 })];
  started.push(...queued.map((q) => q.name));
  await t.grpc.cancelOperation({ name: queued[1]!.name });
});

afterAll(async () => {
  release.open();
  await t?.close();
});

const TOTAL = FAILED + SUCCEEDED + 4;

async function collectPages(filter: string, pageSize: number): Promise<{ names: string[]; pages: number }> {
  const names: string[] = [];
  let pageToken = '';
  let pages = 0;
  for (;;) {
    const page = await t.grpc.listOperations({ filter, pageSize, pageToken });
    pages++;
    expect(page.operations.length).toBeLessThanOrEqual(pageSize);
    names.push(...page.operations.map((o) => o.name));
    if (!page.nextPageToken) return { names, pages };
    // A page that is not the last is full.
    expect(page.operations.length).toBe(pageSize);
    pageToken = page.nextPageToken;
    if (pages > 1000) throw new Error('pagination does not end');
  }
}

describe('ListOperations: order and pagination', () => {
  it('lists every operation, newest first', async () => {
    const all = await listAll(t.grpc);
    expect(all.map((o) => o.name)).toEqual([...started].reverse());
    for (let i = 1; i < all.length; i++) {
      expect(timestampMs(metadataOf(all[i - 1]!).createTime)).toBeGreaterThanOrEqual(timestampMs(metadataOf(all[i]!).createTime));
    }
  });

  it.each([1, 7, 25, 57, 113, 114, 115])('collects all pages of size %i without duplicates', async (pageSize) => {
    const { names, pages } = await collectPages('', pageSize);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual([...started].reverse());
    expect(pages).toBe(Math.max(1, Math.ceil(TOTAL / pageSize)));
  });

  it('collects all pages with a filter', async () => {
    const { names, pages } = await collectPages('metadata.kind = "kinds/demo.fail"', 7);
    expect(new Set(names).size).toBe(names.length);
    expect(names).toEqual(started.slice(0, FAILED).reverse());
    expect(pages).toBe(Math.ceil(FAILED / 7));

    const purged = await collectPages('done = true AND metadata.kind = demo.purge', 10);
    expect(purged.names).toEqual(started.slice(FAILED, FAILED + SUCCEEDED).reverse());
    expect(purged.pages).toBe(5);
  });

  it('pageSize 0 means 50', async () => {
    const page = await t.grpc.listOperations({ pageSize: 0 });
    expect(page.operations).toHaveLength(50);
    expect(page.nextPageToken).not.toBe('');
  });

  it('a negative pageSize is INVALID_ARGUMENT', async () => {
    const f = await grpcFailure(t.grpc.listOperations({ pageSize: -1 }));
    expect(f.code).toBe(status.INVALID_ARGUMENT);
    expect(f.reason).toBe('INVALID_PAGE_SIZE');
    expect(f.message).toContain('page_size');
  });

  it('a page token used with another filter is INVALID_ARGUMENT', async () => {
    const first = await t.grpc.listOperations({ filter: 'done = true', pageSize: 5 });
    expect(first.nextPageToken).not.toBe('');
    for (const filter of ['', 'done = false', 'metadata.kind = demo.fail']) {
      const f = await grpcFailure(t.grpc.listOperations({ filter, pageSize: 5, pageToken: first.nextPageToken }));
      expect(f.code, filter).toBe(status.INVALID_ARGUMENT);
      expect(f.reason).toBe('PAGE_TOKEN_FILTER_MISMATCH');
    }
    const unfiltered = await t.grpc.listOperations({ pageSize: 5 });
    const f = await grpcFailure(t.grpc.listOperations({ filter: 'done = true', pageSize: 5, pageToken: unfiltered.nextPageToken }));
    expect(f.code).toBe(status.INVALID_ARGUMENT);
    // With its own filter it still works, and a different page size is fine.
    const second = await t.grpc.listOperations({ filter: 'done = true', pageSize: 3, pageToken: first.nextPageToken });
    expect(second.operations).toHaveLength(3);
  });

  it('a garbage page token is INVALID_ARGUMENT', async () => {
    const forged = (body: object) => Buffer.from(JSON.stringify(body)).toString('base64url');
    for (const pageToken of [
      'garbage',
      '!!!',
      'a'.repeat(600),
      forged({ v: 1, last: 'not-an-id', f: 'x' }),
      forged({ v: 2, last: '01jb7x4e2k3m5n6p7q8r9s0t1v', f: 'x' }),
      forged([1, 2, 3]),
      Buffer.from('not json').toString('base64url'),
    ]) {
      const f = await grpcFailure(t.grpc.listOperations({ pageToken }));
      expect(f.code, pageToken).toBe(status.INVALID_ARGUMENT);
      expect(f.reason).toMatch(/^INVALID_PAGE_TOKEN|PAGE_TOKEN_FILTER_MISMATCH$/);
      expect(f.message).toContain('page_token');
    }
  });

  it('a collection name other than "operations" is INVALID_ARGUMENT; "operations" and "" work', async () => {
    const f = await grpcFailure(t.grpc.listOperations({ name: 'projects/p/operations' }));
    expect(f.code).toBe(status.INVALID_ARGUMENT);
    expect(f.reason).toBe('INVALID_NAME');
    expect((await t.grpc.listOperations({ name: 'operations', pageSize: 1000 })).operations).toHaveLength(TOTAL);
    expect((await t.grpc.listOperations({ name: '', pageSize: 1000 })).operations).toHaveLength(TOTAL);
  });
});

describe('ListOperations: filters', () => {
  let all: { name: string; done: boolean; md: Metadata; createMs: number }[];

  beforeAll(async () => {
    all = (await listAll(t.grpc)).map((o: Operation) => {
      const md = metadataOf(o);
      return { name: o.name, done: o.done, md, createMs: timestampMs(md.createTime) };
    });
    expect(all).toHaveLength(TOTAL);
  });

  const expectFilter = async (filter: string, predicate: (o: (typeof all)[number]) => boolean, expectedCount?: number) => {
    const got = (await listAll(t.grpc, filter, 17)).map((o) => o.name);
    const want = all.filter(predicate).map((o) => o.name);
    expect(got, filter).toEqual(want);
    if (expectedCount !== undefined) expect(got.length, filter).toBe(expectedCount);
  };

  it('done', async () => {
    await expectFilter('done = true', (o) => o.done, FAILED + SUCCEEDED + 1);
    await expectFilter('done = false', (o) => !o.done, 3);
    await expectFilter('done != true', (o) => !o.done, 3);
  });

  it('metadata.state', async () => {
    await expectFilter('metadata.state = RUNNING', (o) => o.md.state === 'RUNNING', 2);
    await expectFilter('metadata.state = "QUEUED"', (o) => o.md.state === 'QUEUED', 1);
    await expectFilter('metadata.state = CANCELLED', (o) => o.md.state === 'CANCELLED', 1);
    await expectFilter('metadata.state = FAILED', (o) => o.md.state === 'FAILED', FAILED);
    await expectFilter('metadata.state = succeeded', (o) => o.md.state === 'SUCCEEDED', SUCCEEDED);
    await expectFilter('metadata.state != FAILED', (o) => o.md.state !== 'FAILED', TOTAL - FAILED);
  });

  it('metadata.kind, with or without the kinds/ prefix', async () => {
    await expectFilter('metadata.kind = "kinds/demo.purge"', (o) => o.md.kind === 'kinds/demo.purge', SUCCEEDED);
    await expectFilter('metadata.kind = demo.purge', (o) => o.md.kind === 'kinds/demo.purge', SUCCEEDED);
    await expectFilter("metadata.kind = 'test.hold'", (o) => o.md.kind === 'kinds/test.hold', 2);
    await expectFilter('metadata.kind != demo.fail', (o) => o.md.kind !== 'kinds/demo.fail', TOTAL - FAILED);
    await expectFilter('metadata.kind = no.such.kind', () => false, 0);
  });

  it('metadata.create_time with every comparator', async () => {
    const pivot = all.find((o) => o.name === started[FAILED])!; // the first demo.purge
    const at = new Date(pivot.createMs).toISOString();
    await expectFilter(`metadata.create_time >= "${at}"`, (o) => o.createMs >= pivot.createMs);
    await expectFilter(`metadata.create_time < "${at}"`, (o) => o.createMs < pivot.createMs);
    await expectFilter(`metadata.create_time > "${at}"`, (o) => o.createMs > pivot.createMs);
    await expectFilter(`metadata.create_time <= "${at}"`, (o) => o.createMs <= pivot.createMs);
    await expectFilter(`metadata.create_time = "${at}"`, (o) => o.createMs === pivot.createMs);
    await expectFilter(`metadata.create_time != "${at}"`, (o) => o.createMs !== pivot.createMs);
    // Unquoted, and with an offset instead of Z.
    await expectFilter('metadata.create_time > 2000-01-01T00:00:00Z', () => true, TOTAL);
    await expectFilter('metadata.create_time < "2000-01-01T01:00:00+01:00"', () => false, 0);
    // The comparisons split the list in two.
    const before = await listAll(t.grpc, `metadata.create_time < "${at}"`);
    const after = await listAll(t.grpc, `metadata.create_time >= "${at}"`);
    expect(before.length + after.length).toBe(TOTAL);
    expect(after.map((o) => o.name)).toContain(pivot.name);
  });

  it('metadata.requested_cancellation (also camelCase)', async () => {
    await expectFilter('metadata.requested_cancellation = true', (o) => o.md.requestedCancellation, 2);
    await expectFilter('metadata.requestedCancellation = true', (o) => o.md.requestedCancellation, 2);
    await expectFilter('metadata.requested_cancellation = true AND done = false', (o) => o.md.requestedCancellation && !o.done, 1);
  });

  it('AND, OR, NOT, "-", juxtaposition and parentheses', async () => {
    await expectFilter(
      'metadata.kind = demo.sleep AND (metadata.state = QUEUED OR metadata.state = CANCELLED)',
      (o) => o.md.kind === 'kinds/demo.sleep' && (o.md.state === 'QUEUED' || o.md.state === 'CANCELLED'),
      2,
    );
    await expectFilter('metadata.state = RUNNING OR metadata.state = QUEUED', (o) => o.md.state === 'RUNNING' || o.md.state === 'QUEUED', 3);
    await expectFilter('NOT done = true', (o) => !o.done, 3);
    await expectFilter('NOT (done = true OR metadata.kind = test.hold)', (o) => !o.done && o.md.kind !== 'kinds/test.hold', 1);
    await expectFilter('-metadata.kind = demo.fail', (o) => o.md.kind !== 'kinds/demo.fail', TOTAL - FAILED);
    await expectFilter('done = false metadata.kind = test.hold', (o) => !o.done && o.md.kind === 'kinds/test.hold', 2);
    // OR binds tighter than AND (AIP-160): a AND b OR c == a AND (b OR c).
    await expectFilter(
      'done = true AND metadata.state = CANCELLED OR metadata.state = RUNNING',
      (o) => o.done && (o.md.state === 'CANCELLED' || o.md.state === 'RUNNING'),
      1,
    );
    await expectFilter(
      '((metadata.kind = demo.fail) AND (NOT metadata.state = SUCCEEDED))',
      (o) => o.md.kind === 'kinds/demo.fail' && o.md.state !== 'SUCCEEDED',
      FAILED,
    );
  });

  it('garbage filters are INVALID_ARGUMENT with reason INVALID_FILTER, and the server keeps serving', async () => {
    const garbage = [
      'foo = bar',
      'name = "operations/x"',
      'metadata.progress_percent > 5',
      'done = maybe',
      'done > true',
      'metadata.state = SLEEPING',
      'metadata.state < RUNNING',
      'metadata.kind > demo',
      'metadata.create_time > yesterday',
      'metadata.create_time > "2026-13-45T99:99:99Z"',
      'done',
      'done =',
      '= true',
      'done = true AND',
      'OR done = true',
      'done = true OR OR done = false',
      '(done = true',
      'done = true)',
      '()',
      'done == true',
      'done ~ true',
      'done = "unterminated',
      'done = true; DROP TABLE operations',
      "done = true' OR '1'='1",
      'metadata.state:RUNNING',
      'done = true'.padEnd(3000, ' '),
      `${'('.repeat(40)}done = true${')'.repeat(40)}`,
      '\u0000',
      'dône = true',
    ];
    for (const filter of garbage) {
      const f = await grpcFailure(t.grpc.listOperations({ filter }));
      expect(f.code, filter).toBe(status.INVALID_ARGUMENT);
      expect(f.reason, filter).toBe('INVALID_FILTER');
      expect(f.message, filter).toMatch(/filter/);
    }
    expect(await countOperations(t.grpc)).toBe(TOTAL);
  });
});

describe('ListOperations: more than 1000 operations', () => {
  let big: TestServer;
  const releaseBig = gate();

  beforeAll(async () => {
    // One worker, held: everything started after the hold stays QUEUED, so the list is stable.
    const holdBig = defineKind({ name: 'test.hold', handler: () => releaseBig.promise.then(() => ({})) });
    big = await startTestServer({ concurrency: 1, kinds: [holdBig] });
    await untilRunning(big.grpc, (await big.grpc.start('test.hold', {})).name);
    for (let batch = 0; batch < 11; batch++) {
      await Promise.all(Array.from({ length: 91 }, () => big.grpc.start('demo.fail', { code: 5 })));
    }
  }, 60_000);

  afterAll(async () => {
    releaseBig.open();
    await big?.close();
  });

  it('caps pageSize above 1000 at 1000', async () => {
    const first = await big.grpc.listOperations({ pageSize: 5000 });
    expect(first.operations).toHaveLength(1000);
    expect(first.nextPageToken).not.toBe('');
    const second = await big.grpc.listOperations({ pageSize: 5000, pageToken: first.nextPageToken });
    expect(second.operations).toHaveLength(1 + 11 * 91 - 1000);
    expect(second.nextPageToken).toBe('');
    const names = [...first.operations, ...second.operations].map((o) => o.name);
    expect(new Set(names).size).toBe(1 + 11 * 91);
  });

  it('pageSize 0 means 50 here too, and pages continue to the end', async () => {
    const first = await big.grpc.listOperations({ pageSize: 0, filter: 'metadata.state = QUEUED' });
    expect(first.operations).toHaveLength(50);
    const rest = await collectPagesOn(big, 'metadata.state = QUEUED', 333);
    expect(rest).toHaveLength(11 * 91);
  });

  it('operations started between pages neither repeat nor shift what the next pages hold', async () => {
    const expected = (await listAll(big.grpc)).map((o) => o.name);
    const first = await big.grpc.listOperations({ pageSize: 100 });
    // Newer operations arrive while the client is paging (they sort before the first page).
    const newer = await Promise.all(Array.from({ length: 5 }, () => big.grpc.start('demo.fail', { code: 5 })));
    const names = first.operations.map((o) => o.name);
    let pageToken = first.nextPageToken;
    while (pageToken) {
      const page = await big.grpc.listOperations({ pageSize: 100, pageToken });
      names.push(...page.operations.map((o) => o.name));
      pageToken = page.nextPageToken;
    }
    expect(names).toEqual(expected);
    const newest = (await big.grpc.listOperations({ pageSize: 5 })).operations.map((o) => o.name);
    expect(newest).toEqual(newer.map((o) => o.name).sort().reverse());
  });
});

async function collectPagesOn(server: TestServer, filter: string, pageSize: number): Promise<string[]> {
  return (await listAll(server.grpc, filter, pageSize)).map((o) => o.name);
}
