/** lro.v1.Kinds, transport-agnostic: list and get kinds, and start operations (AIP-155 idempotent). */
import { ApiError, invalidArgument, notFound } from '../errors/api-error.js';
import { Code } from '../errors/code.js';
import { fromStruct, type JsonObject, type JsonValue, type StructMessage } from '../proto/struct.js';
import type { EventBus } from '../events/event-bus.js';
import type { KindRegistry } from '../runtime/registry.js';
import type { OperationStore } from '../store/operation-store.js';
import type { CallContext } from './call-context.js';
import { validateLabels } from './labels.js';
import { createIdFactory } from './operation-id.js';
import { operationName, parseKindName } from './names.js';
import type { NameRequest } from './operations-service.js';
import type { QueueLimit } from './queue-limit.js';
import { toKind, toOperation, type OperationMessage } from './to-operation.js';
import { Reason } from '../errors/reasons.js';
import type { OperationRecord } from '../store/operation-store.js';

export interface StartOperationRequest {
  kind: string;
  input?: StructMessage | null;
  requestId?: string;
  labels?: Record<string, string> | null;
}

export const MAX_INPUT_BYTES = 256 * 1024;
const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/** JSON with sorted keys: equal inputs give equal text, whatever order a store kept the keys in. */
export function canonicalJson(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k]!)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A request id used before answers with its operation, if the request is the same one (AIP-155). */
function sameRequest(
  operation: OperationRecord,
  asked: { kind: string; input: JsonObject; labels: Record<string, string>; requestId: string | null },
): OperationMessage {
  if (
    operation.kind !== asked.kind ||
    canonicalJson(operation.input) !== canonicalJson(asked.input) ||
    canonicalJson(operation.labels) !== canonicalJson(asked.labels)
  ) {
    throw new ApiError(Code.ALREADY_EXISTS, `request_id ${asked.requestId} was already used to start a different operation`, {
      reason: Reason.REQUEST_ID_REUSED,
      metadata: { request_id: asked.requestId ?? '', operation: operationName(operation.id) },
    });
  }
  return toOperation(operation);
}

export interface KindsServiceOptions {
  store: OperationStore;
  registry: KindRegistry;
  bus: EventBus;
  /** Fires when the server starts to drain: from then on starts are refused (nothing is created). */
  shutdown: AbortSignal;
  /** --max-queued: refuses starts while the queue is full (nothing is created). */
  queueLimit: QueueLimit;
}

/** How long a client refused during a drain should wait before it retries (another instance, or this one restarted). */
const DRAIN_RETRY_MS = 1_000;

export function createKindsService(opts: KindsServiceOptions) {
  const { store, registry, bus, shutdown, queueLimit } = opts;
  const newId = createIdFactory();

  function kindOf(nameValue: unknown, field: string) {
    const name = parseKindName(nameValue, field);
    const kind = registry.get(name);
    if (!kind) throw notFound(`kinds/${name} is not a registered kind; see ListKinds`, Reason.KIND_NOT_FOUND, { kind: `kinds/${name}` });
    return kind;
  }

  return {
    async ListKinds() {
      return { kinds: registry.list().map(toKind) };
    },

    async GetKind(req: NameRequest) {
      return toKind(kindOf(req.name, 'name'));
    },

    async StartOperation(req: StartOperationRequest, ctx: CallContext): Promise<OperationMessage> {
      if (shutdown.aborted) {
        // A rejection (RFC 9114 §4.1.1): nothing was processed, so retrying elsewhere is safe.
        throw new ApiError(Code.UNAVAILABLE, 'The server is shutting down and takes no new operations; retry (another instance will take it).', {
          reason: Reason.SHUTTING_DOWN,
          retryDelayMs: DRAIN_RETRY_MS,
        });
      }
      const kind = kindOf(req.kind, 'kind');
      const requestId = req.requestId || null;
      if (requestId !== null && !REQUEST_ID.test(requestId)) {
        throw invalidArgument('request_id must be 1 to 128 printable ASCII characters (a UUID is best)', Reason.INVALID_REQUEST_ID, {
          field: 'request_id',
        });
      }
      const raw: JsonObject = fromStruct(req.input);
      if (Buffer.byteLength(JSON.stringify(raw)) > MAX_INPUT_BYTES) {
        throw invalidArgument(`input is larger than ${MAX_INPUT_BYTES} bytes`, Reason.INPUT_TOO_LARGE, { field: 'input' });
      }
      const labels = validateLabels(req.labels);
      const input = kind.validate(raw);
      const principal = ctx.caller?.principal ?? null;
      let admission;
      try {
        admission = await queueLimit.admit();
      } catch (err) {
        // A retried start whose first try was admitted creates nothing: it is answered, full queue or not.
        const existing = requestId === null ? undefined : await store.getByRequestId(requestId, principal);
        if (existing) return sameRequest(existing, { kind: kind.name, input, labels, requestId });
        throw err;
      }
      const now = Date.now();
      let result: { operation: OperationRecord; created: boolean };
      try {
        result = await store.create({
          id: newId(now),
          kind: kind.name,
          input,
          cancellable: kind.cancellable,
          maxAttempts: kind.maxAttempts,
          requestId,
          labels,
          // Even an administrator's operations are its own; request ids are scoped the same way.
          principal,
          now,
        });
      } catch (err) {
        admission.settle(false);
        throw err;
      }
      admission.settle(result.created);
      if (!result.created) return sameRequest(result.operation, { kind: kind.name, input, labels, requestId });
      bus.publish({ type: 'queued' });
      return toOperation(result.operation);
    },
  };
}
