/**
 * The operators' metrics of one server instance (API.md, "Operators"), served as Prometheus text by
 * `GET /metrics`. Each server has a prom-client Registry of its own, so several servers in one process
 * (the tests, an embedding application) never collide in prom-client's global registry.
 *
 * Counters and histograms count what happened on this instance; the gauges `lro_operations` and
 * `lro_queue_depth` read the store at scrape time, so on a shared PostgreSQL every instance reports the
 * same deployment-wide numbers. A scrape never fails: a store that does not answer leaves those two out
 * (and is logged), everything else is served.
 */
import type { Logger } from 'pino';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ApiError } from '../errors/api-error.js';
import { Code } from '../errors/code.js';
import type { Transport } from '../operations/call-context.js';
import type { KindStateCount, OperationRecord, OperationState } from '../store/operation-store.js';
import { createRequestMeters, type RequestMeter } from './request-meter.js';

/**
 * What a cancel request found (`lro_cancel_requests_total{outcome}`), one per operation it named:
 * - `cancelled_before_start`: it was queued and is now done, CANCELLED (its handler never runs);
 * - `requested`: it was running; requested_cancellation is set and its handler is told;
 * - `already_cancelled`: it was done and cancelled already (the idempotent OK);
 * - `already_done`: it was done otherwise (FAILED_PRECONDITION);
 * - `not_cancellable`: its kind cannot be cancelled (UNIMPLEMENTED).
 * A name that matches no operation has no kind and is not counted here (see lro_requests_total).
 */
export type CancelRequestOutcome = 'cancelled_before_start' | 'requested' | 'already_cancelled' | 'already_done' | 'not_cancellable';

const STATES: readonly OperationState[] = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'];

/** Operations live from milliseconds (cancelled while queued) to hours. */
const OPERATION_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800, 3600, 4 * 3600, 24 * 3600];
/** A cancel ends within milliseconds when the handler watches its token; seconds mean it does not. */
const CANCEL_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** How long a scrape waits for the store's count before it serves the rest without it. */
const COUNT_TIMEOUT_MS = 2_000;

export interface ServerMetricsOptions {
  /** The store's grouped count (lro_operations, lro_queue_depth), read at scrape time. */
  countOperations(): Promise<KindStateCount[]>;
  /** Handlers running on this instance now (lro_running). */
  running(): number;
  /** The registered kinds: their series exist from the start, at 0, so that rate() sees the first one. */
  kinds: readonly string[];
  logger: Logger;
}

export interface ServerMetrics {
  readonly contentType: string;
  /** The Prometheus text: this server's metrics and the process's. Never rejects. */
  render(): Promise<string>;
  /** The meter of `method` (an RPC name such as `GetOperation`) over `transport`, made once per pair. */
  requestMeter(transport: Transport, method: string): RequestMeter;
  operationStarted(kind: string): void;
  /** A record that has just become done. */
  operationFinished(record: OperationRecord): void;
  cancelRequested(kind: string, outcome: CancelRequestOutcome): void;
  /** A cancel request's operation is done, `seconds` after the request. */
  cancelLatency(seconds: number): void;
}

/**
 * The Node process metrics (prom-client's default metrics), once per process: they describe the process,
 * and every collectDefaultMetrics call installs a GC observer and an event-loop monitor that live as long
 * as the process, so one per server would pile up (and keep closed servers alive) in a long-lived process.
 */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/** A cache of label-bound children, so the hot path never builds a label object. */
function bound<T>(make: (key: string) => T): (key: string) => T {
  const children = new Map<string, T>();
  return (key) => {
    let child = children.get(key);
    if (child === undefined) children.set(key, (child = make(key)));
    return child;
  };
}

export function createServerMetrics(opts: ServerMetricsOptions): ServerMetrics {
  const { logger } = opts;
  const registry = new Registry();
  const registers = [registry];

  // One store read per scrape, shared by the two gauges that need it; undefined when the store failed.
  let counting: Promise<KindStateCount[] | undefined> | undefined;
  const counts = () =>
    (counting ??= readCounts().finally(() => {
      counting = undefined;
    }));
  async function readCounts(): Promise<KindStateCount[] | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${COUNT_TIMEOUT_MS} ms`)), COUNT_TIMEOUT_MS);
    });
    try {
      return await Promise.race([opts.countOperations(), timeout]);
    } catch (err) {
      logger.warn({ err }, 'metrics: counting operations in the store failed; lro_operations and lro_queue_depth are left out of this scrape');
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }

  new Gauge({
    name: 'lro_operations',
    help: 'Operations in the store by kind and state (every instance of a shared store reports the same numbers).',
    labelNames: ['kind', 'state'],
    registers,
    async collect() {
      const rows = await counts();
      this.reset();
      if (!rows) return;
      for (const kind of opts.kinds) for (const state of STATES) this.set({ kind, state }, 0);
      for (const { kind, state, count } of rows) this.set({ kind, state }, count);
    },
  });
  new Gauge({
    name: 'lro_queue_depth',
    help: 'Operations queued and not started yet, all kinds (the store-wide count).',
    registers,
    async collect() {
      const rows = await counts();
      // No rows: no sample at all (a gauge without labels resets to 0, which would claim an empty queue).
      if (rows) this.set(rows.reduce((n, r) => (r.state === 'QUEUED' ? n + r.count : n), 0));
      else this.remove();
    },
  });
  new Gauge({
    name: 'lro_running',
    help: 'Handlers running on this instance now.',
    registers,
    collect() {
      this.set(opts.running());
    },
  });

  const started = new Counter({
    name: 'lro_operations_started_total',
    help: 'Operations created by StartOperation on this instance (a repeated request_id creates nothing and is not counted).',
    labelNames: ['kind'],
    registers,
  });
  const finished = new Counter({
    name: 'lro_operations_finished_total',
    help: 'Operations that became done on this instance, by kind and final state.',
    labelNames: ['kind', 'state'],
    registers,
  });
  const duration = new Histogram({
    name: 'lro_operation_duration_seconds',
    help: 'Lifetime of the operations that became done on this instance: create time to end time, queueing included.',
    labelNames: ['kind', 'state'],
    buckets: OPERATION_BUCKETS,
    registers,
  });
  const cancelRequests = new Counter({
    name: 'lro_cancel_requests_total',
    help: 'Operations named by cancel requests on this instance (CancelOperation, BatchCancelOperations, a Watch with cancel_on_disconnect), by what the cancel found.',
    labelNames: ['kind', 'outcome'],
    registers,
  });
  const cancelLatency = new Histogram({
    name: 'lro_cancel_latency_seconds',
    help: 'From a cancel request on this instance to its operation being done, where this instance sees the end.',
    buckets: CANCEL_BUCKETS,
    registers,
  });
  const requests = createRequestMeters(registry);

  for (const kind of opts.kinds) started.labels(kind).inc(0);
  const startedOf = bound((kind) => started.labels(kind));
  const finishedOf = bound((key) => {
    const [kind, state] = key.split('\u0000') as [string, string];
    return { count: finished.labels(kind, state), duration: duration.labels(kind, state) };
  });
  const cancelsOf = bound((key) => cancelRequests.labels(...(key.split('\u0000') as [string, string])));

  const processRegistry = processMetrics();

  return {
    contentType: registry.contentType,

    async render() {
      const parts: string[] = [];
      for (const source of [registry, processRegistry]) {
        try {
          parts.push(await source.metrics());
        } catch (err) {
          // A collector failed after all: serve the others, metric by metric.
          logger.warn({ err }, 'metrics: a collector failed; serving the others');
          for (const metric of source.getMetricsAsArray()) {
            try {
              parts.push(`${await source.getSingleMetricAsString(metric.name)}\n`);
            } catch {
              // left out of this scrape
            }
          }
        }
      }
      return parts.join('\n');
    },

    requestMeter(transport, method) {
      return requests.meter(transport, method);
    },

    operationStarted(kind) {
      startedOf(kind).inc();
    },

    operationFinished(record) {
      const child = finishedOf(`${record.kind}\u0000${record.state}`);
      child.count.inc();
      // Clocks of two instances may disagree by a little: never a negative lifetime.
      child.duration.observe(Math.max(0, ((record.endTime ?? record.updateTime) - record.createTime) / 1000));
    },

    cancelRequested(kind, outcome) {
      cancelsOf(`${kind}\u0000${outcome}`).inc();
    },

    cancelLatency(seconds) {
      cancelLatency.observe(seconds);
    },
  };
}

/** The google.rpc code a failure leaves with: an ApiError's own, anything else INTERNAL (as public-error.ts makes it). */
export function codeOf(err: unknown): number {
  return err instanceof ApiError ? err.code : Code.INTERNAL;
}
