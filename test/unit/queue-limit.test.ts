/**
 * The queue limit's estimate (src/operations/queue-limit.ts): exact on one instance, and cheap — it counts
 * the queue only when near the limit, before a refusal, or when its count is old, and shares counts.
 */
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/errors/api-error.js';
import { Code } from '../../src/errors/code.js';
import { createQueueLimit, type QueueAdmission } from '../../src/operations/queue-limit.js';

/** A queue whose size the test sets, with its counts counted. */
function fakeQueue(size = 0) {
  const q = {
    size,
    counts: 0,
    limit: (max: number) =>
      createQueueLimit({
        max,
        count: async () => {
          q.counts++;
          await new Promise((r) => setImmediate(r)); // a count takes a moment, as a query does
          return q.size;
        },
      }),
  };
  return q;
}

/** Admits and creates (the operation joins the queue), as StartOperation does. */
async function start(q: ReturnType<typeof fakeQueue>, limit: ReturnType<typeof createQueueLimit>): Promise<void> {
  const admission = await limit.admit();
  q.size++;
  admission.settle(true);
}

const refusal = (p: Promise<unknown>) =>
  expect(p).rejects.toSatisfy((e) => e instanceof ApiError && e.code === Code.RESOURCE_EXHAUSTED && e.reason === 'QUEUE_FULL' && e.retryDelayMs! > 0);

describe('queue limit', () => {
  it('max 3: three starts pass, the fourth is refused; after one leaves the queue the next passes', async () => {
    const q = fakeQueue();
    const limit = q.limit(3);
    for (let i = 0; i < 3; i++) await start(q, limit);
    await refusal(limit.admit());
    await refusal(limit.admit());
    expect(q.size).toBe(3);
    q.size--; // cancelled or claimed, by anyone
    await start(q, limit);
    await refusal(limit.admit());
  });

  it('far from the limit, thousands of starts share one count', async () => {
    const q = fakeQueue(50_000);
    const limit = q.limit(100_000);
    for (let i = 0; i < 2_000; i++) await start(q, limit);
    expect(q.counts).toBe(1);
  });

  it('starts in flight hold their room: of ten at once with room for four, four pass', async () => {
    const q = fakeQueue(6);
    const limit = q.limit(10);
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => limit.admit()));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(4);
    // A start that created nothing (a failure, or an existing request id) gives its room back.
    (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<QueueAdmission>).value.settle(false);
    await expect(limit.admit()).resolves.toBeDefined();
    await refusal(limit.admit());
  });

  it('a storm of refusals shares counts: a hundred at once cost a few', async () => {
    const q = fakeQueue(10);
    const limit = q.limit(10);
    await refusal(limit.admit());
    const before = q.counts;
    const results = await Promise.allSettled(Array.from({ length: 100 }, () => limit.admit()));
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(q.counts - before).toBeLessThanOrEqual(2);
  });

  it("within a twentieth of the limit every start counts, so another instance's creates are seen at once", async () => {
    const q = fakeQueue(0);
    const limit = q.limit(100);
    for (let i = 0; i < 96; i++) await start(q, limit);
    const before = q.counts;
    q.size += 3; // another instance created three
    await start(q, limit); // the 100th
    expect(q.counts).toBe(before + 1);
    await refusal(limit.admit());
  });

  it('a failing count fails the start with its error (the store is away), and the next one counts again', async () => {
    let fail = true;
    const limit = createQueueLimit({
      max: 5,
      count: async () => {
        if (fail) throw new ApiError(Code.UNAVAILABLE, 'store away');
        return 0;
      },
    });
    await expect(limit.admit()).rejects.toMatchObject({ code: Code.UNAVAILABLE });
    fail = false;
    await expect(limit.admit()).resolves.toBeDefined();
  });
});
