/** What every service method gets from its transport, whichever it is. */
export interface CallContext {
  /** Fires when the client goes away (or the server shuts down). */
  signal: AbortSignal;
  /** The client's deadline, ms since epoch, if it set one. */
  deadline?: number;
}

/** A service: RPC name (as in the proto, e.g. `GetOperation`) → implementation. */
export type ServiceImplementation = Record<string, (request: never, ctx: CallContext) => Promise<object>>;
