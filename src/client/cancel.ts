/**
 * Cancelling one, several (BatchCancelOperations by names, 1000 a call) or every match of a filter (paged),
 * each operation's outcome a row. What CancelOperation answers about one operation (not cancellable, already
 * done, not found, not a name) is a row; only a failed call (unreachable, unauthenticated, aborted) throws.
 */
import { Code, codeName } from '../errors/code.js';
import { isMissingMethod, LroError } from './lro-error.js';
import { isOperationName } from './names.js';
import { decodeStatus, type WireStatus } from './operation-codec.js';
import { retried, type SessionContext } from './session-context.js';
import type { CancelResult } from './types.js';

/** At most this many names per BatchCancelOperations call (the server's limit). */
export const MAX_BATCH_NAMES = 1000;
/** Parallel CancelOperation calls when the server has no Batch service. */
const FALLBACK_CONCURRENCY = 16;

/** The codes that describe the one operation rather than the call. */
const ABOUT_THE_OPERATION: ReadonlySet<number> = new Set([Code.NOT_FOUND, Code.UNIMPLEMENTED, Code.FAILED_PRECONDITION, Code.INVALID_ARGUMENT]);

function row(name: string, code: number, reason?: string, message?: string): CancelResult {
  if (code === Code.OK) return { name, ok: true, code: 0, codeName: 'OK' };
  return { name, ok: false, code, codeName: codeName(code), ...(reason ? { reason } : {}), ...(message ? { message } : {}) };
}

function rowOf(name: string, status: WireStatus | null): CancelResult {
  if (!status || !status.code) return row(name, Code.OK);
  const error = decodeStatus(status);
  return row(name, error.code, error.reason || error.codeName, error.message);
}

function invalidNameRow(name: string): CancelResult {
  return row(name, Code.INVALID_ARGUMENT, 'INVALID_NAME', `${JSON.stringify(name.slice(0, 200))} is not an operation name ("operations/{id}")`);
}

export async function cancelOne(ctx: SessionContext, name: string, signal: AbortSignal): Promise<CancelResult> {
  if (!isOperationName(name)) return invalidNameRow(name);
  try {
    await retried(ctx, signal, (o) => ctx.transport.cancelOperation(name, o));
    return row(name, Code.OK);
  } catch (err) {
    const error = LroError.from(err);
    const routeMissing = isMissingMethod(error) && error.code === Code.NOT_FOUND;
    if (signal.aborted || routeMissing || !ABOUT_THE_OPERATION.has(error.code)) throw error;
    return row(name, error.code, error.reason, error.message);
  }
}

/** One row per name, in the order given. */
export async function cancelNames(ctx: SessionContext, names: string[], signal: AbortSignal): Promise<CancelResult[]> {
  const rows: CancelResult[] = [];
  for (let i = 0; i < names.length; i += MAX_BATCH_NAMES) {
    const chunk = names.slice(i, i + MAX_BATCH_NAMES);
    try {
      const response = await retried(ctx, signal, (o) => ctx.transport.batchCancelOperations({ names: chunk }, o));
      rows.push(...chunk.map((name, j) => rowOf(name, response.results[j]?.status ?? null)));
    } catch (err) {
      if (!isMissingMethod(err) || signal.aborted) throw err;
      // A server without lro.v1.Batch: the same outcomes, one CancelOperation each.
      rows.push(...(await mapLimited(names.slice(i), FALLBACK_CONCURRENCY, (name) => cancelOne(ctx, name, signal))));
      return rows;
    }
  }
  return rows;
}

/** Cancels every operation the filter matches, a page per call until the server's page token is empty. */
export async function cancelMatching(ctx: SessionContext, filter: string, signal: AbortSignal): Promise<CancelResult[]> {
  const rows: CancelResult[] = [];
  let pageToken = '';
  do {
    const response = await retried(ctx, signal, (o) => ctx.transport.batchCancelOperations({ filter, pageToken }, o));
    rows.push(...response.results.map((r) => rowOf(r.name, r.status)));
    pageToken = response.nextPageToken;
  } while (pageToken);
  return rows;
}

async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
