/**
 * The ONE place calls are counted (`lro_requests_total`, `lro_request_duration_seconds`), for both
 * transports: the service map is wrapped once (app.ts), outside the auth guard, so a refused token is
 * counted too. A call counts once, when it ends: a unary call when its answer is ready, a stream when it
 * ends (OK, its error, or CANCELLED when the client went away first). A request that never became a
 * call (an unknown route, a body that is not JSON, a message grpc-js could not decode) is not counted.
 *
 * The hot path (GetOperation) pays two clock reads and a tally made once per method (request-meter.ts).
 */
import { performance } from 'node:perf_hooks';
import { Code } from '../errors/code.js';
import type { CallContext, ServiceImplementation } from '../operations/call-context.js';
import { onStreamEnd } from '../operations/stream-end.js';
import type { ServiceName } from '../proto/protos.js';
import type { RequestMeter } from './request-meter.js';
import { codeOf, type ServerMetrics } from './server-metrics.js';

const isStream = (value: object): value is AsyncIterable<object> => Symbol.asyncIterator in value;

/** OK, unless the client went away before the answer (it never saw one: as HTTP's 499, gRPC's CANCELLED). */
const endCode = (ctx: CallContext) => (ctx.clientGone ? Code.CANCELLED : Code.OK);

/** A stream counts when it ends: its error's code, or OK / CANCELLED, also when the transport stops it early. */
function meteredStream(messages: AsyncIterable<object>, meter: RequestMeter, startedAt: number, ctx: CallContext): AsyncIterable<object> {
  return onStreamEnd(messages, (how) => meter.done(startedAt, how.failed ? codeOf(how.error) : endCode(ctx)));
}

export function meterServices(
  services: Record<ServiceName, ServiceImplementation>,
  metrics: ServerMetrics,
): Record<ServiceName, ServiceImplementation> {
  const metered = {} as Record<ServiceName, ServiceImplementation>;
  for (const name of Object.keys(services) as ServiceName[]) {
    const methods: ServiceImplementation = {};
    for (const [method, fn] of Object.entries(services[name])) {
      const meters = { grpc: metrics.requestMeter('grpc', method), http: metrics.requestMeter('http', method) };
      methods[method] = async (request, ctx) => {
        const meter = meters[ctx.transport];
        const startedAt = performance.now();
        let result: object | AsyncIterable<object>;
        try {
          result = await fn(request, ctx);
        } catch (err) {
          meter.done(startedAt, codeOf(err));
          throw err;
        }
        if (isStream(result)) return meteredStream(result, meter, startedAt, ctx);
        meter.done(startedAt, endCode(ctx));
        return result;
      };
    }
    metered[name] = methods;
  }
  return metered;
}
