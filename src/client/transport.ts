/**
 * What the session needs from a wire, whichever it is (gRPC or HTTP/JSON): one method per RPC, wire messages
 * in google-gax's object form, failures as LroError, and every call aborted by its signal on the wire itself
 * (the gRPC call cancelled, the HTTP request's socket closed), so the server sees the client go away.
 * No retries here: the session retries, the same way for both.
 */
import type { JsonObject } from '../proto/struct.js';
import type { WireKind, WireOperation, WireStatus } from './operation-codec.js';

export interface CallOptions {
  signal?: AbortSignal;
  /** The call's deadline, from now (unary calls; a WaitOperation adds its own timeout). */
  timeoutMs?: number;
}

export interface StartRequest {
  /** `kinds/{kind}`. */
  kind: string;
  input: JsonObject;
  requestId: string;
  labels: Record<string, string>;
}

export interface ListRequest {
  filter: string;
  pageSize: number;
  pageToken: string;
}

export type BatchCancelRequest = { names: string[] } | { filter: string; pageSize?: number; pageToken?: string };

export interface BatchCancelResponse {
  results: { name: string; status: WireStatus | null }[];
  nextPageToken: string;
}

export interface Transport {
  /** The server URL, for messages. */
  readonly server: string;
  getOperation(name: string, options: CallOptions): Promise<WireOperation>;
  listOperations(request: ListRequest, options: CallOptions): Promise<{ operations: WireOperation[]; nextPageToken: string }>;
  cancelOperation(name: string, options: CallOptions): Promise<void>;
  deleteOperation(name: string, options: CallOptions): Promise<void>;
  /** `timeoutMs` undefined: the server's cap. */
  waitOperation(name: string, timeoutMs: number | undefined, options: CallOptions): Promise<WireOperation>;
  /** The stream of WatchOperation; ends after the message with `done: true` (or when the server ends it). */
  watchOperation(name: string, cancelOnDisconnect: boolean, options: CallOptions): AsyncIterable<WireOperation>;
  startOperation(request: StartRequest, options: CallOptions): Promise<WireOperation>;
  batchCancelOperations(request: BatchCancelRequest, options: CallOptions): Promise<BatchCancelResponse>;
  listKinds(options: CallOptions): Promise<WireKind[]>;
  getKind(name: string, options: CallOptions): Promise<WireKind>;
  close(): void;
}
