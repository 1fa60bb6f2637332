/**
 * The one call context of a request, whichever transport it came by. Both transports build it here, from
 * what only they can see (how the client goes away, its deadline, its request id) and the server's
 * shutdown signal, so gRPC and HTTP cannot drift apart.
 *
 * With authentication on, the guard (auth/guard.ts) reads the raw `authorization` values, checks them, and
 * hands the service a context with the `caller` instead (`withCaller`): services never see a token.
 *
 * `signal` merges the client going away, the client's deadline and the server's shutdown into one
 * AbortSignal (AbortSignal.any). It is made on first use: most calls (Get, List, Cancel) never look at it,
 * and the hot path should not pay for listeners it does not need.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';

/** The wire a call came by: a label of the request metrics. */
export type Transport = 'grpc' | 'http';

export interface CallContext {
  readonly transport: Transport;
  /** Fires when the client goes away, its deadline passes, or the server starts to shut down. */
  readonly signal: AbortSignal;
  /** The client's deadline, ms since epoch, if it set one. */
  readonly deadline: number | undefined;
  /**
   * True once the client went away or its deadline passed (its interest in the answer ended), as opposed
   * to the server shutting down. Known once `signal` has been used.
   */
  readonly clientGone: boolean;
  /** The caller's request id (x-request-id), or one made for this call: for logs. */
  readonly requestId: string;
  /** The raw `authorization` values the call came with (HTTP header, gRPC metadata); read only by the guard. */
  readonly authorization: readonly string[];
  /** Who is calling, once the guard has checked the token; undefined when the server runs without auth. */
  readonly caller: Caller | undefined;
}

/** An authenticated caller. */
export interface Caller {
  /** The token's `sub`: the operations it starts belong to it. */
  readonly principal: string;
  /** The token's scopes. */
  readonly scopes: ReadonlySet<string>;
  /** `lro.admin`: sees and acts on every principal's operations. */
  readonly admin: boolean;
}

/** Whose operations a call may see: its principal's, or (undefined) everyone's, without auth or as an administrator. */
export function visibleTo(ctx: CallContext): string | undefined {
  const caller = ctx.caller;
  return caller === undefined || caller.admin ? undefined : caller.principal;
}

/** An incoming `x-request-id` the server keeps (and echoes): 1 to 128 characters; anything else is ignored. */
export function acceptedRequestId(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= 128 ? value : undefined;
}

/** What a transport knows about one call. */
export interface CallSource {
  transport: Transport;
  /** Calls `gone` once the client has gone away (now or later); called at most once, on first use of the signal. */
  onClientGone(gone: () => void): void;
  deadline?: number;
  requestId?: string;
  /** The raw `authorization` values (none: absent); called at most once, and only when auth is on. */
  authorization?(): readonly string[];
}

const NONE: readonly string[] = Object.freeze([]);

/** A class, not an object literal of getters: one is made per request, on the hot path. */
class RequestContext implements CallContext {
  #signal: AbortSignal | undefined;
  #client: AbortController | undefined;
  #requestId: string | undefined;
  #authorization: readonly string[] | undefined;
  readonly deadline: number | undefined;
  readonly transport: Transport;
  readonly caller: Caller | undefined = undefined;

  constructor(
    private readonly source: CallSource,
    private readonly shutdown: AbortSignal,
  ) {
    this.deadline = source.deadline;
    this.transport = source.transport;
    this.#requestId = source.requestId;
  }

  get clientGone(): boolean {
    return (this.#client?.signal.aborted ?? false) || (this.deadline !== undefined && Date.now() >= this.deadline);
  }

  get requestId(): string {
    return (this.#requestId ??= randomUUID());
  }

  get authorization(): readonly string[] {
    return (this.#authorization ??= this.source.authorization?.() ?? NONE);
  }

  get signal(): AbortSignal {
    if (!this.#signal) {
      const gone = (this.#client = new AbortController());
      this.source.onClientGone(() => gone.abort());
      const parts = [gone.signal, this.shutdown];
      if (this.deadline !== undefined) parts.push(AbortSignal.timeout(Math.max(0, this.deadline - Date.now())));
      this.#signal = AbortSignal.any(parts);
      // A Wait and a Watch each listen here; many at once is normal load, not a leak.
      setMaxListeners(0, this.#signal);
    }
    return this.#signal;
  }
}

export function createCallContext(source: CallSource, shutdown: AbortSignal): CallContext {
  return new RequestContext(source, shutdown);
}

/** The same call, on behalf of an authenticated caller, without the raw authorization values. */
class CallerContext implements CallContext {
  readonly authorization = NONE;

  constructor(
    private readonly call: CallContext,
    readonly caller: Caller,
  ) {}

  get transport(): Transport {
    return this.call.transport;
  }

  get signal(): AbortSignal {
    return this.call.signal;
  }

  get deadline(): number | undefined {
    return this.call.deadline;
  }

  get clientGone(): boolean {
    return this.call.clientGone;
  }

  get requestId(): string {
    return this.call.requestId;
  }
}

export function withCaller(ctx: CallContext, caller: Caller): CallContext {
  return new CallerContext(ctx, caller);
}

/**
 * A service: RPC name (as in the proto, e.g. `GetOperation`) → implementation. A server-streaming RPC
 * resolves to the stream of its messages; failing before that is failing before any message is sent.
 */
export type ServiceImplementation = Record<string, (request: never, ctx: CallContext) => Promise<object | AsyncIterable<object>>>;
