/**
 * The gRPC binding: every RPC of the loaded services calls the service function of the same name, with a
 * CallContext that carries the client's deadline and fires when the client cancels. Errors go through
 * the one mapping (errors/status-mapping.ts). Reflection and grpc.health.v1 are on.
 */
import * as grpc from '@grpc/grpc-js';
import type { ServiceDefinition } from '@grpc/proto-loader';
import { HealthImplementation } from 'grpc-health-check';
import type { Logger } from 'pino';
import { ApiError } from '../../errors/api-error.js';
import { Code } from '../../errors/code.js';
import { toGrpcError } from '../../errors/status-mapping.js';
import { toPublicError } from '../../errors/public-error.js';
import { acceptedRequestId, createCallContext, type ServiceImplementation } from '../../operations/call-context.js';
import { binaryFormOf } from '../../proto/json-form.js';
import { protos, type ServiceName } from '../../proto/protos.js';
import { addReflection, HEALTH_SERVICE } from './reflection-service.js';

export interface GrpcServerOptions {
  /** Largest request message in bytes (--max-body; default 1 MiB); a larger one is RESOURCE_EXHAUSTED. */
  maxMessageBytes?: number;
}

export interface GrpcServerHandle {
  server: grpc.Server;
  health: HealthImplementation;
  /** Binds `host:port` (port 0 picks one); resolves to the bound port. */
  listen(host: string, port: number): Promise<number>;
  /** What grpc.health.v1 answers for every service (NOT_SERVING while the server drains). */
  setServing(serving: boolean): void;
  /** Stops accepting calls, lets running calls end for up to `graceMs`, then cuts them off. */
  close(graceMs: number): Promise<void>;
}

function requestIdOf(metadata: grpc.Metadata): string | undefined {
  return acceptedRequestId(metadata.get('x-request-id')[0]);
}

function echoOf(requestId: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('x-request-id', requestId);
  return metadata;
}

/**
 * The definition with each response serializer taking a result's own binary form when it has one (an
 * operation encodes itself straight from its record) and the generic encoder otherwise.
 */
function withBinaryForms(definition: ServiceDefinition): ServiceDefinition {
  const out: Record<string, ServiceDefinition[string]> = {};
  for (const [name, method] of Object.entries(definition)) {
    const generic = method.responseSerialize;
    out[name] = {
      ...method,
      responseSerialize: (value: object) => {
        const bytes = binaryFormOf(value);
        return bytes ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) : generic(value);
      },
    };
  }
  return out as ServiceDefinition;
}

/** Writes a stream's messages with backpressure; ends OK after the last, with the error's status on a failure. */
async function writeStream(
  call: grpc.ServerWritableStream<unknown, object>,
  messages: AsyncIterable<object>,
  toError: (err: unknown) => grpc.ServiceError,
): Promise<void> {
  const iterator = messages[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done || call.cancelled) break;
      if (!call.write(next.value)) await drained(call);
    }
    if (!call.cancelled) call.end();
  } catch (err) {
    if (!call.cancelled) call.emit('error', toError(err));
  } finally {
    // Ends the producer too (a watch stops listening; one whose client left may cancel its operation).
    await iterator.return?.();
  }
}

/** Resolves when the call can take more messages, or when the client has gone. */
function drained(call: grpc.ServerWritableStream<unknown, object>): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off('drain', done);
      call.off('cancelled', done);
      resolve();
    };
    call.on('drain', done);
    call.on('cancelled', done);
  });
}

function deadlineMs(deadline: grpc.Deadline): number | undefined {
  if (deadline instanceof Date) return deadline.getTime();
  return Number.isFinite(deadline) ? Number(deadline) : undefined;
}

export function createGrpcServer(
  implementations: Record<ServiceName, ServiceImplementation>,
  logger: Logger,
  shutdown: AbortSignal,
  options: GrpcServerOptions = {},
): GrpcServerHandle {
  const { packageDefinition } = protos();
  // grpc-js refuses a larger message from its length prefix, before reading it, with RESOURCE_EXHAUSTED.
  const server = new grpc.Server({ 'grpc.max_receive_message_length': options.maxMessageBytes ?? 1024 * 1024 });
  const serving: Record<string, 'SERVING'> = { '': 'SERVING' };

  for (const [serviceName, impl] of Object.entries(implementations)) {
    const definition = packageDefinition[serviceName] as ServiceDefinition;
    const handlers: grpc.UntypedServiceImplementation = {};
    for (const [methodName, methodDefinition] of Object.entries(definition)) {
      const fn = impl[methodName];
      const method = `${serviceName}/${methodName}`;
      const contextOf = (call: grpc.ServerUnaryCall<unknown, object> | grpc.ServerWritableStream<unknown, object>) => {
        const requestId = requestIdOf(call.metadata);
        // Echoed in the response headers (initial metadata), which come before the answer or the error.
        if (requestId !== undefined) call.sendMetadata(echoOf(requestId));
        return createCallContext(
          {
            transport: 'grpc',
            onClientGone: (gone) => (call.cancelled ? gone() : call.once('cancelled', gone)),
            deadline: deadlineMs(call.getDeadline()),
            requestId,
            authorization: () => call.metadata.get('authorization').map(String),
          },
          shutdown,
        );
      };
      const publicError = (err: unknown, requestId: string) => {
        const { error, unexpected } = toPublicError(err, requestId);
        if (unexpected) logger.error({ err, method, requestId }, 'unexpected error');
        return toGrpcError(error);
      };
      if (!fn) {
        handlers[methodName] = (_call: unknown, callback?: grpc.sendUnaryData<object>) => {
          const error = toGrpcError(new ApiError(Code.UNIMPLEMENTED, `${serviceName}.${methodName} is not implemented`));
          if (callback) callback(error);
          else (_call as grpc.ServerWritableStream<unknown, object>).emit('error', error);
        };
      } else if (methodDefinition.responseStream) {
        handlers[methodName] = (call: grpc.ServerWritableStream<unknown, object>) => {
          const ctx = contextOf(call);
          void (async () => {
            let messages: AsyncIterable<object>;
            try {
              messages = (await fn(call.request as never, ctx)) as AsyncIterable<object>;
            } catch (err) {
              call.emit('error', publicError(err, ctx.requestId));
              return;
            }
            await writeStream(call, messages, (err) => publicError(err, ctx.requestId));
          })();
        };
      } else {
        handlers[methodName] = (call: grpc.ServerUnaryCall<unknown, object>, callback: grpc.sendUnaryData<object>) => {
          const ctx = contextOf(call);
          fn(call.request as never, ctx).then(
            (response) => callback(null, response as object),
            (err: unknown) => callback(publicError(err, ctx.requestId)),
          );
        };
      }
    }
    server.addService(withBinaryForms(definition), handlers);
    serving[serviceName] = 'SERVING';
  }

  const health = new HealthImplementation(serving);
  health.addToServer(server);
  addReflection(server, [...Object.keys(implementations), HEALTH_SERVICE]);

  return {
    server,
    health,
    listen(host, port) {
      return new Promise((resolve, reject) => {
        server.bindAsync(`${host.includes(':') ? `[${host}]` : host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, bound) =>
          err ? reject(err) : resolve(bound),
        );
      });
    },
    setServing(on) {
      for (const name of Object.keys(serving)) health.setStatus(name, on ? 'SERVING' : 'NOT_SERVING');
    },
    close(graceMs) {
      for (const name of Object.keys(serving)) health.setStatus(name, 'NOT_SERVING');
      return new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}
