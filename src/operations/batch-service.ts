/**
 * lro.v1.Batch, transport-agnostic: BatchCancelOperations cancels by names or by a List filter, a page
 * per call, each result exactly what CancelOperation would answer for that operation alone. One bad
 * operation never fails the batch; each page is one store transaction.
 */
import { ApiError, invalidArgument } from '../errors/api-error.js';
import { Reason } from '../errors/reasons.js';
import { toStatus, type RpcStatus } from '../errors/status-mapping.js';
import type { BatchCancelResult } from '../store/operation-store.js';
import { visibleTo, type CallContext } from './call-context.js';
import { cancelError, operationNotFound, type Canceller } from './canceller.js';
import { parseFilter } from './filter.js';
import { operationName, parseOperationName } from './names.js';
import { decodePageToken, encodePageToken } from './page-token.js';

export const MAX_BATCH = 1000;

export interface BatchCancelOperationsRequest {
  names?: string[];
  filter?: string;
  pageSize?: number;
  pageToken?: string;
}

export interface BatchCancelOperationsResponse {
  results: { name: string; status: RpcStatus }[];
  nextPageToken: string;
}

const OK: RpcStatus = { code: 0, message: '', details: [] };

const statusOf = (error: ApiError | undefined): RpcStatus => (error ? toStatus(error) : OK);

export function createBatchService(opts: { canceller: Canceller }) {
  const { canceller } = opts;

  async function byNames(names: string[], principal: string | undefined): Promise<BatchCancelOperationsResponse> {
    // Each name on its own: a malformed one is INVALID_ARGUMENT for that name only.
    const parsed = names.map((name, i): { name: string; id?: string; error?: ApiError } => {
      try {
        const id = parseOperationName(name, `names[${i}]`);
        return id === undefined ? { name, error: operationNotFound(name) } : { name, id };
      } catch (err) {
        return { name: String(name), error: err as ApiError };
      }
    });
    const ids = [...new Set(parsed.flatMap((p) => (p.id ? [p.id] : [])))];
    const { results } = ids.length > 0 ? await canceller.cancelMany({ ids, principal }) : { results: [] as BatchCancelResult[] };
    const byId = new Map(results.map((r) => [r.id, r]));
    return {
      results: parsed.map((p) => ({ name: p.name, status: statusOf(p.error ?? cancelError(byId.get(p.id!)!)) })),
      nextPageToken: '',
    };
  }

  return {
    async BatchCancelOperations(req: BatchCancelOperationsRequest, ctx: CallContext): Promise<BatchCancelOperationsResponse> {
      // Another principal's operations are not found, by name as by filter.
      const principal = visibleTo(ctx);
      const names = req.names ?? [];
      const filterText = req.filter ?? '';
      if (names.length > 0 && filterText !== '') {
        throw invalidArgument('give names or filter, not both', Reason.INVALID_BATCH, { field: 'names' });
      }
      if (names.length === 0 && filterText === '') {
        throw invalidArgument('give the names of the operations to cancel, or a filter that selects them', Reason.INVALID_BATCH, {
          field: 'names',
        });
      }
      const pageSize = req.pageSize ?? 0;
      if (!Number.isInteger(pageSize) || pageSize < 0) {
        throw invalidArgument('page_size must not be negative', Reason.INVALID_PAGE_SIZE, { field: 'page_size' });
      }
      if (names.length > 0) {
        if (names.length > MAX_BATCH) {
          throw invalidArgument(`at most ${MAX_BATCH} names per call, not ${names.length}`, Reason.INVALID_BATCH, { field: 'names' });
        }
        if (req.pageToken || pageSize !== 0) {
          throw invalidArgument('page_size and page_token go with a filter, not with names', Reason.INVALID_BATCH, { field: 'page_token' });
        }
        return byNames(names, principal);
      }
      const filter = parseFilter(filterText);
      const beforeId = req.pageToken ? decodePageToken(req.pageToken, filterText) : null;
      const limit = pageSize === 0 ? MAX_BATCH : Math.min(pageSize, MAX_BATCH);
      const { results, more } = await canceller.cancelMany({ query: { filter, beforeId, limit, principal } });
      return {
        results: results.map((r) => ({ name: operationName(r.id), status: statusOf(cancelError(r)) })),
        // A keyset cursor (the last operation seen): matches whose state the batch changed are not revisited.
        nextPageToken: more && results.length > 0 ? encodePageToken(results[results.length - 1]!.id, filterText) : '',
      };
    },
  };
}
