/**
 * A stream of messages with a hook that runs exactly once when it ends, however it ends: its last message
 * was read, it failed, or its reader stopped early (`return()`, e.g. the client went away) — also before
 * the first message was read, when an async generator's `finally` would never run.
 */
export type StreamEnd = { failed: false } | { failed: true; error: unknown };

export function onStreamEnd<T>(messages: AsyncIterable<T>, end: (how: StreamEnd) => void): AsyncIterable<T> {
  let ended = false;
  const once = (how: StreamEnd) => {
    if (ended) return;
    ended = true;
    end(how);
  };
  return {
    [Symbol.asyncIterator]() {
      const iterator = messages[Symbol.asyncIterator]();
      return {
        async next() {
          try {
            const result = await iterator.next();
            if (result.done) once({ failed: false });
            return result;
          } catch (error) {
            once({ failed: true, error });
            throw error;
          }
        },
        async return(value?: unknown) {
          once({ failed: false });
          return (await iterator.return?.(value)) ?? { done: true as const, value: undefined };
        },
      };
    },
  };
}
