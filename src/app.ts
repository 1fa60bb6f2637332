/**
 * Wiring: store + registry + runner + services + transports, and their orderly start and stop.
 * `createServer` is the library's entry point; main.ts only turns flags into its options.
 */
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import pino, { type Logger } from 'pino';
import { guardServices } from './auth/guard.js';
import { createTokenVerifier } from './auth/token-verifier.js';
import { resolveConfig, type Config, type ConfigInput } from './config.js';
import { demoKinds } from './kinds/index.js';
import type { ServiceImplementation } from './operations/call-context.js';
import { createOperationEvents, type OperationEvents } from './events/operation-events.js';
import { createBatchService } from './operations/batch-service.js';
import { createCanceller } from './operations/canceller.js';
import { createKindsService } from './operations/kinds-service.js';
import { createOperationsService } from './operations/operations-service.js';
import { createQueueLimit } from './operations/queue-limit.js';
import { createWaiterSlots } from './operations/waiter-slots.js';
import { createWatchService } from './operations/watch-service.js';
import type { ServiceName } from './proto/protos.js';
import { protos } from './proto/protos.js';
import type { EventBus } from './events/event-bus.js';
import { createLocalBus } from './events/event-bus.js';
import type { AnyKindDefinition } from './runtime/kind.js';
import { loadKindModules } from './runtime/load-kinds.js';
import { createRegistry, type KindRegistry } from './runtime/registry.js';
import { createRetentionTask, type RetentionTask } from './runtime/retention.js';
import { createRunner, type Runner } from './runtime/runner.js';
import { createWaiters } from './runtime/waiters.js';
import { openStore } from './store/open-store.js';
import type { OperationStore } from './store/operation-store.js';
import { createGrpcServer } from './transport/grpc/grpc-server.js';
import { createHttpServer } from './transport/http/http-server.js';
import { addMetricsRoute } from './transport/http/metrics-route.js';
import { createCancelClock } from './metrics/cancel-clock.js';
import { meterServices } from './metrics/metered-services.js';
import { meterStore } from './metrics/metered-store.js';
import { createServerMetrics } from './metrics/server-metrics.js';

/** The server's configuration (validated exactly as flags are: see config.ts), plus what only code can pass. */
export interface ServerOptions extends Omit<ConfigInput, 'store'> {
  /** A `--store` value, or a store object (then `bus` may carry its cross-instance events). */
  store?: string | OperationStore;
  bus?: EventBus;
  /** Kind definitions added to (or, with `demoKinds: false`, instead of) the demo kinds; `kindModules` loads more from files. */
  kinds?: AnyKindDefinition[];
  /** Default true. */
  demoKinds?: boolean;
  logger?: Logger;
  /** This instance's lease owner id; default host + pid + random. */
  instanceId?: string;
}

export interface ListeningAddresses {
  http: string;
  grpc: string;
}

export interface LroServer {
  /** Opens the store, starts the runner and binds both listeners. */
  listen(): Promise<ListeningAddresses>;
  /** Graceful: stop listening, let running work finish (shutdownGraceMs), release the rest, close the store. */
  close(): Promise<void>;
  readonly logger: Logger;
  /** Available after listen(). */
  readonly store: OperationStore;
  readonly registry: KindRegistry;
  readonly runner: Runner;
  /** The services as both transports serve them (with auth on, each call checks its token first). */
  readonly services: Record<ServiceName, ServiceImplementation>;
  readonly addresses: ListeningAddresses;
  /** How many WaitOperation calls are blocked right now (a client that goes away releases its waiter). */
  readonly activeWaiters: number;
}

function url(scheme: string, host: string, port: number): string {
  return `${scheme}${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export function createServer(options: ServerOptions = {}): LroServer {
  const { kinds: _kinds, store: storeOption, bus: _bus, demoKinds: _demo, logger: _logger, instanceId: _id, ...configInput } = options;
  const config: Readonly<Config> = resolveConfig({
    ...stripUndefined(configInput),
    ...(typeof storeOption === 'string' ? { store: storeOption } : {}),
  });
  const logger = options.logger ?? pino({ level: config.logLevel });
  const instanceId = options.instanceId ?? `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const shutdown = new AbortController();
  // Every call in flight listens for shutdown: many listeners are normal load, not a leak to warn about.
  setMaxListeners(0, shutdown.signal);

  let state: 'new' | 'starting' | 'listening' | 'closing' | 'closed' = 'new';
  let parts:
    | {
        store: OperationStore;
        bus: EventBus;
        registry: KindRegistry;
        runner: Runner;
        services: Record<ServiceName, ServiceImplementation>;
        grpc: ReturnType<typeof createGrpcServer>;
        http: ReturnType<typeof createHttpServer>;
        closeStore: boolean;
        addresses: ListeningAddresses;
        waiters: ReturnType<typeof createWaiters>;
        events: OperationEvents;
        retention: RetentionTask;
        cancels: ReturnType<typeof createCancelClock>;
      }
    | undefined;

  const need = () => {
    if (!parts) throw new Error('the server is not listening yet: call listen() first');
    return parts;
  };

  return {
    logger,
    get store() {
      return need().store;
    },
    get registry() {
      return need().registry;
    },
    get runner() {
      return need().runner;
    },
    get services() {
      return need().services;
    },
    get addresses() {
      return need().addresses;
    },
    get activeWaiters() {
      return need().waiters.size;
    },

    async listen() {
      if (state !== 'new') throw new Error(`listen() was already called (${state})`);
      state = 'starting';
      protos(); // load descriptors once, before the first call
      const verifier =
        config.auth === 'jwt'
          ? createTokenVerifier({ secret: config.jwtSecret, jwks: config.jwks, issuer: config.jwtIssuer, audience: config.jwtAudience, logger })
          : undefined;
      try {
        await verifier?.start();
      } catch (err) {
        state = 'closed';
        throw err;
      }
      if (!verifier && [config.jwtSecret, config.jwks, config.jwtIssuer, config.jwtAudience].some((v) => v !== undefined)) {
        logger.warn('JWT settings are given but --auth is none: tokens are not checked; add --auth jwt');
      }
      const extra = [...(options.kinds ?? []), ...(await loadKindModules(config.kindModules))];
      const registry = createRegistry([...(options.demoKinds === false ? [] : demoKinds), ...extra]);
      const storeSpec = typeof storeOption === 'object' ? storeOption : config.store;
      const opened =
        typeof storeSpec === 'string' ? await openStore(storeSpec, logger) : { store: storeSpec, bus: options.bus ?? createLocalBus() };
      const { bus } = opened;
      // Counted where operations change (metrics/metered-store.ts); runner is defined below, read at scrape time.
      const metrics = createServerMetrics({
        countOperations: () => opened.store.countByKindAndState(),
        running: () => runner.runningIds().length,
        kinds: registry.names(),
        logger,
      });
      const cancels = createCancelClock(bus, (seconds) => metrics.cancelLatency(seconds));
      const store = meterStore(opened.store, { metrics, cancels, logger });
      const events = createOperationEvents(bus);
      const waiters = createWaiters(events);
      const canceller = createCanceller(store, bus);
      const runner = createRunner({
        store,
        registry,
        bus,
        logger,
        owner: instanceId,
        concurrency: config.concurrency,
        leaseMs: config.leaseMs,
        heartbeatMs: Math.min(config.heartbeatMs, Math.floor(config.leaseMs / 2)),
        pollMs: config.pollMs,
        rescueMs: Math.max(50, Math.min(1000, Math.floor(config.leaseMs / 4))),
      });
      const retention = createRetentionTask({ store, logger, retentionMs: config.retentionMs });
      const slots = createWaiterSlots(config.maxWaiters);
      const open: Record<ServiceName, ServiceImplementation> = {
        'google.longrunning.Operations': createOperationsService({ store, canceller, waiters, waitCapMs: config.waitCapMs, slots }),
        'lro.v1.Kinds': createKindsService({
          store,
          registry,
          bus,
          shutdown: shutdown.signal,
          queueLimit: createQueueLimit({ max: config.maxQueued, count: () => store.countQueued() }),
        }),
        'lro.v1.Batch': createBatchService({ canceller }),
        'lro.v1.Watch': createWatchService({ store, canceller, events, logger, slots }),
      };
      // The one place calls are authenticated and authorized, for both transports (grpc.health.v1 and
      // reflection are not in this map: they stay open).
      // Requests are counted around the guard, so refused tokens count too (metrics/metered-services.ts).
      const services = meterServices(verifier ? guardServices(open, verifier) : open, metrics);
      const grpc = createGrpcServer(services, logger, shutdown.signal, { maxMessageBytes: config.maxBodyBytes });
      const http = createHttpServer(services, logger, shutdown.signal, { bodyLimit: config.maxBodyBytes });
      addMetricsRoute(http.app, metrics);
      try {
        const grpcPort = await grpc.listen(config.host, config.grpcPort);
        const httpPort = await http.listen(config.host, config.httpPort);
        runner.start();
        retention.start();
        const addresses = { http: url('http://', config.host, httpPort), grpc: url('', config.host, grpcPort) };
        parts = { store, bus, events, registry, runner, services, grpc, http, closeStore: typeof storeSpec === 'string', addresses, waiters, retention, cancels };
        state = 'listening';
        logger.info(
          { ...addresses, store: typeof storeSpec === 'string' ? redact(storeSpec) : 'custom', kinds: registry.names(), auth: config.auth },
          'listening',
        );
        return addresses;
      } catch (err) {
        state = 'closed';
        await Promise.allSettled([grpc.close(0), http.close()]);
        await store.close();
        throw err;
      }
    },

    async close() {
      if (state !== 'listening') return;
      state = 'closing';
      const p = need();
      logger.info({ graceMs: config.shutdownGraceMs, running: p.runner.runningIds().length }, 'shutting down');
      // Draining: starts are refused, waiters answer now with the current state, health says NOT_SERVING;
      // everything else is still served, so a cancel sent during the grace period reaches the handler.
      shutdown.abort();
      p.grpc.setServing(false);
      await p.retention.stop();
      await p.runner.stop(config.shutdownGraceMs);
      // The running work has settled or been given back: now the listeners close.
      await Promise.all([p.http.close(), p.grpc.close(2000)]);
      p.waiters.close();
      p.events.close();
      p.cancels.close();
      await p.bus.close();
      if (p.closeStore) await p.store.close();
      state = 'closed';
      logger.info('stopped');
    },
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function redact(spec: string): string {
  return spec.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
