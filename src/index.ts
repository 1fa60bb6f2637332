/** The library's face: embed the server, define kinds, and reuse its error type. */
export { createServer, type LroServer, type ServerOptions, type ListeningAddresses } from './app.js';
export { parseConfig, resolveConfig, defaultConfig, ConfigError, type Config, type ConfigInput } from './config.js';
export { defineKind, input, type KindDefinition, type AnyKindDefinition, type Kind } from './runtime/kind.js';
export type { OperationContext } from './runtime/operation-context.js';
export { OperationAbortedError, abortCauseOf, type AbortCause } from './runtime/abort-reasons.js';
export { runInWorkerThread, type WorkerThreadOptions } from './runtime/worker-thread.js';
export { ApiError, Code, type CodeName, type CodeNumber } from './errors/index.js';
export { Reason } from './errors/reasons.js';
export type { OperationStore, OperationRecord, OperationState } from './store/operation-store.js';
export { createSqliteStore } from './store/sqlite/sqlite-store.js';
export { demoKinds } from './kinds/index.js';
export type { JsonObject, JsonValue } from './proto/struct.js';
export { openStore, type OpenedStore } from './store/open-store.js';
export { createLocalBus, type EventBus, type OperationEvent } from './events/event-bus.js';
