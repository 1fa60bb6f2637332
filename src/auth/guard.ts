/**
 * The ONE place where calls are authenticated and authorized, whichever transport they came by: the
 * service map is wrapped once (app.ts), and each method checks the bearer token of its call and the scope
 * it needs (method-scopes.ts) before the service function runs, which then gets the caller on its context
 * (and no token). grpc.health.v1 and reflection are not in the map: they stay open.
 */
import { withCaller, type ServiceImplementation } from '../operations/call-context.js';
import type { ServiceName } from '../proto/protos.js';
import { scopeMissing } from './auth-errors.js';
import { bearerToken } from './bearer.js';
import { METHOD_SCOPES, type ScopeNeed } from './method-scopes.js';
import { grants } from './scopes.js';
import type { TokenVerifier } from './token-verifier.js';

export function guardServices(
  services: Record<ServiceName, ServiceImplementation>,
  verifier: TokenVerifier,
  scopes: { readonly [S in ServiceName]: Readonly<Record<string, ScopeNeed>> } = METHOD_SCOPES,
): Record<ServiceName, ServiceImplementation> {
  const guarded = {} as Record<ServiceName, ServiceImplementation>;
  for (const name of Object.keys(services) as ServiceName[]) {
    const methods: ServiceImplementation = {};
    for (const [method, fn] of Object.entries(services[name])) {
      const need = scopes[name]?.[method];
      if (need === undefined) throw new Error(`${name}.${method} has no scope in the access table (auth/method-scopes.ts)`);
      methods[method] = async (request, ctx) => {
        const caller = await verifier.verify(bearerToken(ctx.authorization));
        const scope = typeof need === 'function' ? need(request) : need;
        if (!grants(caller.scopes, scope)) throw scopeMissing(scope);
        return fn(request, withCaller(ctx, caller));
      };
    }
    guarded[name] = methods;
  }
  return guarded;
}
