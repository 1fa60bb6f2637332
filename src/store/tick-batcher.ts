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
   * A batch starts at least this long after the one before (ms), when one of the last few batches held
   * more than one call. Under a steady stream of calls that each come in a turn of their own (HTTP
   * requests), this is what gathers them: one commit per interval instead of one per call. A caller that
   * waits for each call before the next (batches of one) is never delayed.
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
  /** One bit per recent batch (newest lowest): it held more than one call. */
  let crowded = 0;

  async function flush(): Promise<void> {
    scheduled = false;
    lastFlush = performance.now();
    crowded = ((crowded << 1) | (queue.length > 1 ? 1 : 0)) & 0b1111;
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
        const wait = crowded !== 0 ? lastFlush + minIntervalMs - performance.now() : 0;
        if (wait > 0) setTimeout(() => void flush(), wait);
        else setImmediate(() => void flush());
      }
    });
}
