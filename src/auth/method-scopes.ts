/**
 * The scope each method needs (API.md): reading needs `lro.operations.readonly`, changing needs
 * `lro.operations`; `lro.admin` grants both (scopes.ts). A method missing here is a wiring error, found at
 * start-up by the guard, so a new RPC can never be served unguarded.
 */
import type { ServiceName } from '../proto/protos.js';
import { Scope } from './scopes.js';

/** A scope, or one chosen by the request. */
export type ScopeNeed = Scope | ((request: unknown) => Scope);

const READ = Scope.READONLY;
const WRITE = Scope.OPERATIONS;

export const METHOD_SCOPES: { readonly [S in ServiceName]: Readonly<Record<string, ScopeNeed>> } = {
  'google.longrunning.Operations': {
    ListOperations: READ,
    GetOperation: READ,
    WaitOperation: READ,
    CancelOperation: WRITE,
    DeleteOperation: WRITE,
  },
  'lro.v1.Kinds': {
    ListKinds: READ,
    GetKind: READ,
    StartOperation: WRITE,
  },
  'lro.v1.Batch': {
    BatchCancelOperations: WRITE,
  },
  'lro.v1.Watch': {
    // Watching reads; cancel_on_disconnect cancels when the client leaves, which a read-only token may not do.
    WatchOperation: (request) => ((request as { cancelOnDisconnect?: unknown } | null)?.cancelOnDisconnect === true ? WRITE : READ),
  },
};
