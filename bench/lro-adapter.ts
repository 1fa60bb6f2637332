/**
 * THE one place where the benchmark touches lro-server's internals: embedding it (createServer), calling
 * its transport-agnostic service functions (the "in-process API"), its proto definitions, and the table
 * layout that list-scale seeds directly. When the server's internals change (the call context of service
 * functions, the schema), only this file changes. Everything is imported lazily, so load generators that
 * import this file for a type or a definition do not pay for the whole server.
 */
import type { PackageDefinition } from '@grpc/proto-loader';
import type { AnyKindDefinition } from '../src/runtime/kind.js';
import type { OperationContext } from '../src/runtime/operation-context.js';
import type { JsonObject } from '../src/proto/struct.js';

export type { OperationContext, JsonObject };
/** A kind the benchmark registers (cancel-latency's poller, wait-fanout's gate, recovery's holder). */
export type BenchKind = AnyKindDefinition;

export interface LroOptions {
  /** A `--store` value: `sqlite:PATH` or `postgres://…?schema=…`. */
  store: string;
  concurrency: number;
  logLevel: string;
  kinds?: BenchKind[];
  /** Default true: demo.sleep is the throughput scenario's no-op. */
  demoKinds?: boolean;
  leaseMs?: number;
  heartbeatMs?: number;
  /** WaitOperation's cap; wait-fanout's Waits ask for longer than the default 60 s. */
  waitCapMs?: number;
  instanceId?: string;
}

/** What the benchmark reads of an Operation. */
export interface OpSummary {
  name: string;
  done: boolean;
  /** google.rpc.Code of Operation.error, when it has one. */
  errorCode?: number;
  state: string;
  attempt: number;
}

export interface LroInstance {
  http: string;
  grpc: string;
  start(kind: string, input: JsonObject): Promise<string>;
  get(name: string): Promise<OpSummary>;
  cancel(name: string): Promise<void>;
  /** WaitOperation; `done` and `errorCode` are read before any decoding, so timing it stays cheap. */
  wait(name: string, timeoutMs: number): Promise<{ done: boolean; errorCode?: number }>;
  list(query: { filter?: string; pageSize: number; pageToken?: string }): Promise<{ names: string[]; nextPageToken: string }>;
  /** Operations not done yet (pages through `done = false`). */
  countNotDone(): Promise<number>;
  readonly activeWaiters: number;
  close(): Promise<void>;
}

/** The server's own defaults, so the benchmark follows them (e.g. the lease that recovery is judged by). */
export async function serverDefaults(): Promise<{ leaseMs: number; heartbeatMs: number; concurrency: number }> {
  const { defaultConfig } = await import('../src/config.js');
  const c = defaultConfig();
  return { leaseMs: c.leaseMs, heartbeatMs: c.heartbeatMs, concurrency: c.concurrency };
}

/** Both listeners on 127.0.0.1 port 0, pino at `logLevel`. */
export async function startLro(options: LroOptions): Promise<LroInstance> {
  const [{ createServer }, { default: pino }, { unpackAny }, { createCallContext }] = await Promise.all([
    import('../src/app.js'),
    import('pino'),
    import('../src/proto/any.js'),
    import('../src/operations/call-context.js'),
  ]);
  const server = createServer({
    host: '127.0.0.1',
    httpPort: 0,
    grpcPort: 0,
    store: options.store,
    concurrency: options.concurrency,
    logger: pino({ level: options.logLevel }),
    kinds: options.kinds ?? [],
    demoKinds: options.demoKinds ?? true,
    shutdownGraceMs: 500,
    ...(options.leaseMs ? { leaseMs: options.leaseMs } : {}),
    ...(options.heartbeatMs ? { heartbeatMs: options.heartbeatMs } : {}),
    ...(options.waitCapMs ? { waitCapMs: options.waitCapMs } : {}),
    ...(options.instanceId ? { instanceId: options.instanceId } : {}),
  });
  const addresses = await server.listen();
  const ops = server.services['google.longrunning.Operations'];
  const kinds = server.services['lro.v1.Kinds'];
  // The call context every service function takes, built as the transports build it; the benchmark's
  // calls never go away early and the server is never shutting down while they run (its /metrics counts
  // them as gRPC calls).
  const never = new AbortController().signal;
  const ctx = () => createCallContext({ transport: 'grpc', onClientGone() {} }, never);
  type Op = { name: string; done: boolean; error?: { code: number }; metadata: { type_url: string; value: Uint8Array } };
  const call = <T>(service: typeof ops, method: string, request: object): Promise<T> =>
    (service[method] as (req: object, c: ReturnType<typeof ctx>) => Promise<T>)(request, ctx());
  const summarize = (op: Op): OpSummary => {
    const meta = unpackAny(op.metadata).object as { state: string; attempt: number };
    return { name: op.name, done: op.done, errorCode: op.error?.code, state: meta.state, attempt: meta.attempt };
  };
  const list = async (query: { filter?: string; pageSize: number; pageToken?: string }) => {
    const page = await call<{ operations: Op[]; nextPageToken: string }>(ops, 'ListOperations', query);
    return { names: page.operations.map((o) => o.name), nextPageToken: page.nextPageToken };
  };
  return {
    http: addresses.http,
    grpc: addresses.grpc,
    async start(kind, input) {
      const op = await call<Op>(kinds, 'StartOperation', { kind: `kinds/${kind}`, input: structOf(input) });
      return op.name;
    },
    async get(name) {
      return summarize(await call<Op>(ops, 'GetOperation', { name }));
    },
    async cancel(name) {
      await call(ops, 'CancelOperation', { name });
    },
    async wait(name, timeoutMs) {
      const op = await call<Op>(ops, 'WaitOperation', { name, timeout: { seconds: Math.floor(timeoutMs / 1000), nanos: (timeoutMs % 1000) * 1e6 } });
      return { done: op.done, errorCode: op.error?.code };
    },
    list,
    async countNotDone() {
      let count = 0;
      let pageToken = '';
      do {
        const page = await list({ filter: 'done = false', pageSize: 1000, pageToken });
        count += page.names.length;
        pageToken = page.nextPageToken;
      } while (pageToken);
      return count;
    },
    get activeWaiters() {
      return server.activeWaiters;
    },
    close: () => server.close(),
  };
}

/**
 * A google.protobuf.Struct in the object form both transports hand the service (proto-loader's, with
 * `oneofs: true`): each Value names its `kind`. src/proto/struct.ts's toStruct leaves `kind` out, and the
 * service's fromStruct then reads every value as null, so it cannot be used here.
 */
function structOf(object: JsonObject): object {
  const value = (v: JsonObject[string]): object => {
    if (v === null) return { nullValue: 'NULL_VALUE', kind: 'nullValue' };
    if (typeof v === 'number') return { numberValue: v, kind: 'numberValue' };
    if (typeof v === 'string') return { stringValue: v, kind: 'stringValue' };
    if (typeof v === 'boolean') return { boolValue: v, kind: 'boolValue' };
    if (Array.isArray(v)) return { listValue: { values: v.map(value) }, kind: 'listValue' };
    return { structValue: structOf(v), kind: 'structValue' };
  };
  return { fields: Object.fromEntries(Object.entries(object).map(([k, v]) => [k, value(v)])) };
}

/** Loads the server's modules ahead of the first `startLro`, so opening an instance later is quick. */
export async function preload(): Promise<void> {
  await Promise.all([import('../src/app.js'), import('pino'), import('../src/proto/any.js'), import('../src/operations/call-context.js')]);
  const { protos } = await import('../src/proto/protos.js');
  protos();
}

/** The gRPC package definition of every service the server offers (for load generators' clients). */
export async function grpcDefinitions(): Promise<PackageDefinition> {
  const { protos } = await import('../src/proto/protos.js');
  return protos().packageDefinition;
}

/**
 * Writes `rows` operations straight into the store's table (through the API this would take hours):
 * every third one SUCCEEDED, the others QUEUED of a kind no instance runs, so `done = false` matches two
 * thirds. Ids are lowercase ULIDs in time order, as the server makes them. This knows the table layout of
 * both stores' first migration.
 */
export async function seedListRows(store: string, rows: number): Promise<void> {
  const { monotonicFactory } = await import('ulid');
  const ulid = monotonicFactory();
  const base = Date.now() - 2 * rows - 60_000;
  const batch = 10_000;
  const make = (from: number, to: number) => {
    const ids: string[] = [];
    const times: number[] = [];
    const done: boolean[] = [];
    for (let i = from; i < to; i++) {
      const t = base + i;
      ids.push(ulid(t).toLowerCase());
      times.push(t);
      done.push(i % 3 === 0);
    }
    return { ids, times, done };
  };
  if (store.startsWith('sqlite:')) {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(store.slice('sqlite:'.length));
    db.pragma('busy_timeout = 10000');
    const insert = db.prepare(
      `INSERT INTO operations (id, kind, input, state, done, create_time, start_time, update_time, end_time, progress_percent,
         cancellable, attempt, max_attempts, output)
       VALUES (?, 'bench.listed', '{}', ?, ?, ?, ?, ?, ?, ?, 1, ?, 3, ?)`,
    );
    const insertMany = db.transaction((from: number, to: number) => {
      const { ids, times, done } = make(from, to);
      ids.forEach((id, k) => {
        const t = times[k]!;
        const d = done[k]!;
        insert.run(id, d ? 'SUCCEEDED' : 'QUEUED', d ? 1 : 0, t, d ? t : null, t, d ? t : null, d ? 100 : 0, d ? 1 : 0, d ? '{}' : null);
      });
    });
    try {
      for (let from = 0; from < rows; from += batch) insertMany(from, Math.min(rows, from + batch));
    } finally {
      db.close();
    }
    return;
  }
  const { default: pg } = await import('pg');
  const url = new URL(store);
  const schema = url.searchParams.get('schema') ?? 'public';
  url.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    await client.query(`SET search_path TO "${schema}"`);
    for (let from = 0; from < rows; from += batch) {
      const { ids, times, done } = make(from, Math.min(rows, from + batch));
      await client.query(
        `INSERT INTO operations (id, kind, input, state, done, create_time, start_time, update_time, end_time, progress_percent,
           cancellable, attempt, max_attempts, output)
         SELECT id, 'bench.listed', '{}', CASE WHEN d THEN 'SUCCEEDED' ELSE 'QUEUED' END, d, t, CASE WHEN d THEN t END, t,
           CASE WHEN d THEN t END, CASE WHEN d THEN 100 ELSE 0 END, true, CASE WHEN d THEN 1 ELSE 0 END, 3, CASE WHEN d THEN '{}' END
         FROM unnest($1::text[], $2::bigint[], $3::boolean[]) AS s(id, t, d)`,
        [ids, times, done],
      );
    }
    await client.query('ANALYZE operations');
  } finally {
    await client.end();
  }
}
