/**
 * Group commit: calls made in the same turn of the event loop are gathered and done together, in one
 * transaction (SQLite) or one statement (PostgreSQL), and each caller gets its own answer. A batch that
 * fails as a whole fails every call in it (the store's own error, e.g. UNAVAILABLE); an item that fails on
 * its own fails only its call.
 */
export interface TickBatcher<I, O> {
  (item: I): Promise<O>;
}

/** What a batch run answers for each item, in order: a value, or an Error for that item alone. */
export type BatchAnswers<O> = Array<O | ItemFailure>;

export class ItemFailure {
  constructor(readonly error: unknown) {}
}

export interface TickBatcherOptions {
  maxBatch?: number;
  /**
   * A batch starts at least this long after the one before (ms). Under a steady stream of calls that each
   * come in a turn of their own (HTTP requests), this is what gathers them: one commit per interval
   * instead of one per call. An idle batcher still runs a first call at the next turn.
   */
  minIntervalMs?: number;
}

export function createTickBatcher<I, O>(
  run: (items: I[]) => Promise<BatchAnswers<O>> | BatchAnswers<O>,
  { maxBatch = 1000, minIntervalMs = 0 }: TickBatcherOptions = {},
): TickBatcher<I, O> {
  let queue: { item: I; resolve(value: O): void; reject(err: unknown): void }[] = [];
  let scheduled = false;
  let lastFlush = -Infinity;

  async function flush(): Promise<void> {
    scheduled = false;
    lastFlush = performance.now();
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      try {
        const answers = await run(batch.map((b) => b.item));
        batch.forEach((b, i) => {
          const answer = answers[i];
          if (answer instanceof ItemFailure) b.reject(answer.error);
          else b.resolve(answer as O);
        });
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (!scheduled) {
        scheduled = true;
        const wait = lastFlush + minIntervalMs - performance.now();
        if (wait > 0) setTimeout(() => void flush(), wait);
        else setImmediate(() => void flush());
      }
    });
}
