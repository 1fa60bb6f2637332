/**
 * The shared store: PostgreSQL through a pg Pool, for many instances on one database.
 * Every method is one SQL statement, so each is atomic without holding a connection across round trips:
 * claims and rescues pick rows with FOR UPDATE SKIP LOCKED (two instances never take the same row, and
 * never wait on each other); every owner-only change re-checks state and lease owner in its WHERE clause,
 * which PostgreSQL re-evaluates on the newest row version, so "first to act wins" holds across instances.
 * Connection failures surface as ApiError UNAVAILABLE (see pg-errors.ts).
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { compileListQuery, type SqlDialect } from '../filter-sql.js';
import { createTickBatcher, ItemFailure } from '../tick-batcher.js';
import type {
  BatchCancelResult,
  Finish,
  Lease,
  ListQuery,
  NewOperation,
  ProgressReport,
  OperationError,
  OperationRecord,
  OperationState,
  OperationStore,
  RescueResult,
} from '../operation-store.js';
import { rowToRecord, type Row } from '../row.js';
import { quoteIdent } from './connection.js';
import type { StatementNotifier } from './postgres-bus.js';
import { toStoreError } from './pg-errors.js';

const dialect: SqlDialect = { param: (n) => `$${n}`, bool: (v) => v };

/**
 * The database's clock in ms: leases are set and compared on it, never on an instance's clock, so skew
 * between instances cannot expire live work. clock_timestamp(), not now(): the time of the statement.
 */
const DB_NOW_MS = `(extract(epoch from clock_timestamp()) * 1000)::bigint`;
/** Expired leases taken back per statement. */
const RESCUE_BATCH = 500;
/** Advisory lock of the rescuer (namespace "LRO" + 1; the second key is the schema's hash): one instance at a time. */
const RESCUE_LOCK = 0x4c5250;

/**
 * A cancel request's SET clause, given the placeholders of now and of the cancelled-before-start error:
 * both outcomes in one statement. SET expressions read the row as it was, so `state = 'QUEUED'` means
 * "was queued".
 */
const cancelSet = (now: string, error: string) => `requested_cancellation = true, update_time = ${now},
  state = CASE WHEN state = 'QUEUED' THEN 'CANCELLED' ELSE state END,
  done = (state = 'QUEUED'),
  error = CASE WHEN state = 'QUEUED' THEN ${error}::text ELSE error END,
  end_time = CASE WHEN state = 'QUEUED' THEN ${now} ELSE end_time END`;

/**
 * NOTIFY from inside a statement, per returned row: the bus's envelope (postgres-bus.ts) for an event
 * of type `typeExpr` about the row's id; nothing when the channel parameter is null (no bus attached).
 */
const notifyExpr = (typeExpr: string, channel: string, instance: string) =>
  `CASE WHEN ${channel}::text IS NULL THEN NULL ELSE pg_notify(${channel}::text,
     json_build_object('i', ${instance}::text, 'e', json_build_object('type', ${typeExpr}, 'id', id))::text)::text IS NOT NULL END`;

/** Statements with a fixed text, prepared once per connection (pg caches them by name). */
function statements(table: string, labels: string, schema: string) {
  // The schema's hash keeps names distinct should two stores ever share a connection.
  const tag = createHash('sha256').update(schema).digest('hex').slice(0, 12);
  const named = (name: string, text: string) => ({ name: `lro_${name}_${tag}`, text });
  return {
    byRequestId: named('by_request_id', `SELECT * FROM ${table} WHERE principal = $2 AND request_id = $1`),
    // Group commit of creates: many rows in one statement; a request id already stored (or given twice in
    // the batch) creates nothing, and the stored row comes back instead.
    createMany: named(
      'create_many',
      `WITH incoming AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bool[], $6::int[], $7::text[], $8::text[], $12::text[])
           AS t(id, kind, input, now, cancellable, max_attempts, request_id, labels, principal)
       ), created AS (
         INSERT INTO ${table} (id, kind, input, state, done, create_time, update_time, cancellable, max_attempts, request_id, labels, principal)
         SELECT id, kind, input, 'QUEUED', false, now, now, cancellable, max_attempts, request_id, labels, principal FROM incoming
         ON CONFLICT (principal, request_id) DO NOTHING RETURNING *
       ), labelled AS (
         INSERT INTO ${labels} (key, value, operation_id)
         SELECT l.key, l.value, l.id FROM unnest($9::text[], $10::text[], $11::text[]) AS l(id, key, value)
         WHERE l.id IN (SELECT id FROM created)
       )
       SELECT *, true AS created FROM created
       UNION ALL SELECT o.*, false FROM ${table} o
         WHERE (o.principal, o.request_id) IN (SELECT principal, request_id FROM incoming WHERE request_id IS NOT NULL)`,
    ),
    // Notifies 'done' from inside the statement when $10 (the channel) is given; $11 is the instance id.
    finishMany: named(
      'finish_many',
      `WITH finished AS (UPDATE ${table} o SET state = f.state, done = true, output = f.output, error = f.error, update_time = f.now, end_time = f.now,
         progress_percent = CASE WHEN f.state = 'SUCCEEDED' THEN 100 ELSE COALESCE(f.percent, o.progress_percent) END,
         status_message = COALESCE(f.message, o.status_message),
         lease_owner = NULL, lease_expiry = NULL
       FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::int[], $9::text[])
         AS f(id, owner, token, state, output, error, now, percent, message)
       WHERE o.id = f.id AND o.state = 'RUNNING' AND o.lease_owner = f.owner AND o.lease_token = f.token
       RETURNING o.*)
       SELECT *, ${notifyExpr("'done'", '$10', '$11')} AS notified FROM finished`,
    ),
    progressMany: named(
      'progress_many',
      `UPDATE ${table} o SET progress_percent = p.percent, status_message = COALESCE(p.message, o.status_message), update_time = p.now
       FROM unnest($1::text[], $2::text[], $3::bigint[], $4::int[], $5::text[], $6::bigint[]) AS p(id, owner, token, percent, message, now)
       WHERE o.id = p.id AND o.state = 'RUNNING' AND o.lease_owner = p.owner AND o.lease_token = p.token
       RETURNING o.id`,
    ),
    get: named('get', `SELECT * FROM ${table} WHERE id = $1`),
    getOwned: named('get_owned', `SELECT * FROM ${table} WHERE id = $1 AND principal = $2`),
    delete: named('delete', `DELETE FROM ${table} WHERE id = $1 AND done RETURNING id`),
    // Rows another instance is purging (or anything else holds) are skipped, not waited for; labels go by
    // their foreign key's cascade.
    purge: named(
      'purge',
      `DELETE FROM ${table} WHERE id IN (
         SELECT id FROM ${table} WHERE done AND end_time < $1 ORDER BY end_time LIMIT $2 FOR UPDATE SKIP LOCKED
       ) RETURNING id`,
    ),
    countQueued: named('count_queued', `SELECT count(*)::bigint AS n FROM ${table} WHERE state = 'QUEUED'`),
    countByKindAndState: named('count_by_kind_and_state', `SELECT kind, state, count(*)::int AS count FROM ${table} GROUP BY kind, state`),
    cancel: named('cancel', `UPDATE ${table} SET ${cancelSet('$2', '$3')} WHERE id = $1 AND NOT done RETURNING *`),
    // Notifies from inside the statement when $4 (the channel) is given: 'done' for the queued ones it ended,
    // 'cancel' for the running ones (their owner aborts the handler). $6: only this principal's records
    // (NULL: everyone's); another's id is not found, as a missing one.
    cancelIds: named(
      'cancel_ids',
      `WITH updated AS (
         UPDATE ${table} SET ${cancelSet('$2', '$3')}
         WHERE id = ANY($1::text[]) AND NOT done AND cancellable AND ($6::text IS NULL OR principal = $6) RETURNING *
       )
       SELECT *, true AS changed, ${notifyExpr("CASE WHEN state = 'CANCELLED' THEN 'done' ELSE 'cancel' END", '$4', '$5')} AS notified FROM updated
       UNION ALL SELECT o.*, false, NULL FROM ${table} o
         WHERE o.id = ANY($1::text[]) AND ($6::text IS NULL OR o.principal = $6) AND o.id NOT IN (SELECT id FROM updated)`,
    ),
    claim: named(
      'claim',
      `WITH picked AS (
         SELECT id FROM ${table} WHERE state = 'QUEUED' AND kind = ANY($1::text[])
         ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED
       )
       UPDATE ${table} o SET state = 'RUNNING', attempt = o.attempt + 1, start_time = $3, update_time = $3,
         lease_owner = $4, lease_expiry = ${DB_NOW_MS} + $5, lease_token = o.lease_token + 1
       FROM picked WHERE o.id = picked.id RETURNING o.*`,
    ),
    heartbeat: named(
      'heartbeat',
      `UPDATE ${table} o SET lease_expiry = ${DB_NOW_MS} + $4
       FROM unnest($1::text[], $2::bigint[]) AS held(id, token)
       WHERE o.id = held.id AND o.lease_token = held.token AND o.state = 'RUNNING' AND o.lease_owner = $3
       RETURNING o.id, o.requested_cancellation`,
    ),
    release: named(
      'release',
      `UPDATE ${table} SET state = 'QUEUED', attempt = GREATEST(attempt - 1, 0), lease_owner = NULL, lease_expiry = NULL,
         progress_percent = COALESCE($5::int, progress_percent), status_message = COALESCE($6::text, status_message), update_time = $3
       WHERE id = $1 AND state = 'RUNNING' AND lease_owner = $2 AND lease_token = $4`,
    ),
    // Locked rows are skipped: a row a heartbeat or finish is changing right now is not expired for long.
    rescue: named(
      'rescue',
      `WITH expired AS (
         SELECT id FROM ${table} WHERE state = 'RUNNING' AND lease_expiry < ${DB_NOW_MS}
         ORDER BY lease_expiry LIMIT ${RESCUE_BATCH} FOR UPDATE SKIP LOCKED
       )
       UPDATE ${table} o SET
         state = CASE WHEN o.requested_cancellation THEN 'CANCELLED' WHEN o.attempt >= o.max_attempts THEN 'FAILED' ELSE 'QUEUED' END,
         done = (o.requested_cancellation OR o.attempt >= o.max_attempts),
         error = CASE WHEN o.requested_cancellation THEN $3::text WHEN o.attempt >= o.max_attempts THEN $2::text ELSE o.error END,
         end_time = CASE WHEN o.requested_cancellation OR o.attempt >= o.max_attempts THEN $1 ELSE o.end_time END,
         lease_owner = NULL, lease_expiry = NULL, update_time = $1
       FROM expired WHERE o.id = expired.id RETURNING o.id, o.done`,
    ),
  };
}

/** A batch cancel's result for one id, from the row the statement returned (with its `changed` flag). */
function batchResult(id: string, row: Row | undefined): BatchCancelResult {
  if (!row) return { id, outcome: 'not_found' };
  const operation = rowToRecord(row);
  if (row.changed) return { id, outcome: operation.state === 'CANCELLED' ? 'cancelled' : 'requested', operation };
  // As CancelOperation: a kind that cannot be cancelled answers so in any state.
  return { id, outcome: operation.cancellable ? 'already_done' : 'not_cancellable', operation };
}

/** A store over `pool` whose tables live in `schema` (already migrated). `close()` ends the pool. */
export function createPostgresStore(pool: pg.Pool, schema: string, notifier?: StatementNotifier): OperationStore {
  const table = `${quoteIdent(schema)}.operations`;
  const labels = `${quoteIdent(schema)}.operation_labels`;
  const s = statements(table, labels, schema);
  let closed: Promise<void> | undefined;

  async function run(config: pg.QueryConfig): Promise<pg.QueryResult<Row>> {
    try {
      return await pool.query<Row>(config);
    } catch (err) {
      throw toStoreError(err);
    }
  }
  const query = async (config: pg.QueryConfig): Promise<Row[]> => (await run(config)).rows;
  const changed = async (config: pg.QueryConfig): Promise<boolean> => (await run(config)).rowCount === 1;
  const one = async (config: pg.QueryConfig): Promise<Row | undefined> => (await query(config))[0];
  const errorJson = (e: OperationError) => JSON.stringify(e);
  const byId = (a: OperationRecord, b: OperationRecord) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

  /** One create on its own: retried only if the record holding the request id vanished (deleted) meanwhile. */
  async function createOne(op: NewOperation): Promise<{ operation: OperationRecord; created: boolean }> {
    for (let tries = 0; ; tries++) {
      const { results } = await createRows([op]);
      if (results[0]) return results[0];
      if (tries >= 3) throw new Error(`request id ${op.requestId} is being used and deleted concurrently`);
    }
  }

  /** Creates in one statement; each op's result, or undefined when its request id's record vanished meanwhile. */
  async function createRows(ops: NewOperation[]) {
    const labelled = ops.flatMap((op) => Object.entries(op.labels).map(([k, v]) => [op.id, k, v] as const));
    const rows = await query({
      ...s.createMany,
      values: [
        ops.map((op) => op.id),
        ops.map((op) => op.kind),
        ops.map((op) => JSON.stringify(op.input)),
        ops.map((op) => op.now),
        ops.map((op) => op.cancellable),
        ops.map((op) => op.maxAttempts),
        ops.map((op) => op.requestId),
        ops.map((op) => JSON.stringify(op.labels)),
        labelled.map((l) => l[0]),
        labelled.map((l) => l[1]),
        labelled.map((l) => l[2]),
        ops.map((op) => op.principal ?? ''),
      ],
    });
    const byOpId = new Map(rows.filter((r) => r.created).map((r) => [r.id as string, rowToRecord(r)]));
    // Request ids are unique per principal ('' without authentication).
    const key = (principal: unknown, requestId: unknown) => `${String(principal)}\u0000${String(requestId)}`;
    const byRequestId = new Map<string, OperationRecord>();
    for (const r of rows) if (r.request_id !== null) byRequestId.set(key(r.principal, r.request_id), rowToRecord(r));
    const results = ops.map((op) => {
      const created = byOpId.get(op.id);
      if (created) return { operation: created, created: true };
      const existing = op.requestId === null ? undefined : byRequestId.get(key(op.principal ?? '', op.requestId));
      return existing && { operation: existing, created: false };
    });
    return { results };
  }

  const createBatch = createTickBatcher<NewOperation, { operation: OperationRecord; created: boolean }>(async (ops) => {
    const { results } = await createRows(ops);
    // The rare op whose request id's record was deleted between its insert and read: on its own again.
    return Promise.all(results.map((r, i) => r ?? createOne(ops[i]!).catch((err: unknown) => new ItemFailure(err))));
  });

  type FinishArgs = { lease: Lease; now: number; result: Finish; progress?: ProgressReport };
  const finishBatch = createTickBatcher<FinishArgs, OperationRecord | undefined>(async (items) => {
    const rows = await query({
      ...s.finishMany,
      values: [
        items.map((f) => f.lease.id),
        items.map((f) => f.lease.owner),
        items.map((f) => f.lease.token),
        items.map((f) => f.result.state),
        items.map((f) => (f.result.state === 'SUCCEEDED' ? JSON.stringify(f.result.output) : null)),
        items.map((f) => (f.result.state === 'SUCCEEDED' ? null : errorJson(f.result.error))),
        items.map((f) => f.now),
        items.map((f) => f.progress?.percent ?? null),
        items.map((f) => f.progress?.message ?? null),
        notifier?.channel ?? null,
        notifier?.instanceId ?? null,
      ],
    });
    for (const r of rows) if (r.notified) notifier?.sentByStatement({ type: 'done', id: r.id as string });
    const done = new Map(rows.map((r) => [r.id as string, rowToRecord(r)]));
    return items.map((f) => done.get(f.lease.id));
  });

  type ProgressArgs = { lease: Lease; percent: number; message: string | null; now: number };
  const progressBatch = createTickBatcher<ProgressArgs, boolean>(async (items) => {
    const rows = await query({
      ...s.progressMany,
      values: [
        items.map((p) => p.lease.id),
        items.map((p) => p.lease.owner),
        items.map((p) => p.lease.token),
        items.map((p) => p.percent),
        items.map((p) => p.message),
        items.map((p) => p.now),
      ],
    });
    const stored = new Set(rows.map((r) => r.id as string));
    return items.map((p) => stored.has(p.lease.id));
  });

  return {
    leaseClock: 'store',
    create(op) {
      return createBatch(op);
    },
    async get(id, principal) {
      const row = await one(principal === undefined ? { ...s.get, values: [id] } : { ...s.getOwned, values: [id, principal] });
      return row && rowToRecord(row);
    },
    async list(listQuery: ListQuery) {
      return (await query(compileListQuery(listQuery, dialect, table, labels))).map(rowToRecord);
    },
    async countByKindAndState() {
      return (await query(s.countByKindAndState)).map((r) => ({ kind: r.kind as string, state: r.state as OperationState, count: Number(r.count) }));
    },
    async requestCancelMany(target, now, error) {
      if ('ids' in target) {
        const rows = await query({
          ...s.cancelIds,
          values: [target.ids, now, errorJson(error), notifier?.channel ?? null, notifier?.instanceId ?? null, target.principal ?? null],
        });
        for (const r of rows) {
          if (r.notified) notifier?.sentByStatement({ type: r.state === 'CANCELLED' ? 'done' : 'cancel', id: r.id as string });
        }
        const byId = new Map(rows.map((r) => [r.id as string, r]));
        return { results: target.ids.map((id) => batchResult(id, byId.get(id))), more: false };
      }
      // One statement for the whole page: pick it (one more to know whether others follow), cancel it, read it back.
      const page = compileListQuery({ ...target.query, limit: target.query.limit + 1 }, dialect, table, labels, { columns: 'id', offset: 2 });
      const limit = `$${page.values.length + 3}`;
      const rows = await query({
        text: `WITH page AS (${page.text}),
          head AS (SELECT id FROM page ORDER BY id DESC LIMIT ${limit}),
          updated AS (UPDATE ${table} SET ${cancelSet('$1', '$2')} WHERE id IN (SELECT id FROM head) AND NOT done AND cancellable RETURNING *)
          SELECT *, true AS changed, (SELECT count(*) FROM page) AS matched FROM updated
          UNION ALL SELECT o.*, false, (SELECT count(*) FROM page) FROM ${table} o
            WHERE o.id IN (SELECT id FROM head) AND o.id NOT IN (SELECT id FROM updated)`,
        values: [now, errorJson(error), ...page.values, target.query.limit],
      });
      const results = rows.map((r) => batchResult(r.id as string, r)).sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
      return { results, more: Number(rows[0]?.matched ?? 0) > target.query.limit };
    },
    async delete(id) {
      if (await one({ ...s.delete, values: [id] })) return 'deleted';
      return (await one({ ...s.get, values: [id] })) ? 'not_done' : 'not_found';
    },
    async purgeDone({ before, limit }) {
      if (limit <= 0) return [];
      return (await query({ ...s.purge, values: [before, limit] })).map((r) => r.id as string);
    },
    async countQueued() {
      return Number((await one({ ...s.countQueued, values: [] }))?.n ?? 0);
    },
    async getByRequestId(requestId, principal) {
      const row = await one({ ...s.byRequestId, values: [requestId, principal ?? ''] });
      return row && rowToRecord(row);
    },
    async requestCancel(id, now, error) {
      const row = await one({ ...s.cancel, values: [id, now, errorJson(error)] });
      if (row) {
        const operation = rowToRecord(row);
        return { outcome: operation.state === 'CANCELLED' ? 'cancelled' : 'requested', operation };
      }
      const done = await one({ ...s.get, values: [id] });
      return done ? { outcome: 'already_done', operation: rowToRecord(done) } : undefined;
    },
    async claim({ owner, kinds, limit, leaseMs, now }) {
      if (limit <= 0 || kinds.length === 0) return [];
      const rows = await query({ ...s.claim, values: [kinds, limit, now, owner, leaseMs] });
      return rows.map(rowToRecord).sort(byId);
    },
    async heartbeat({ owner, leases, leaseMs }) {
      if (leases.length === 0) return [];
      const rows = await query({ ...s.heartbeat, values: [leases.map((l) => l.id), leases.map((l) => l.token), owner, leaseMs] });
      return rows.map((r) => ({ id: r.id as string, requestedCancellation: Boolean(r.requested_cancellation) }));
    },
    progress(args) {
      return progressBatch(args);
    },
    finish(args) {
      return finishBatch(args);
    },
    async release({ lease, now, progress }) {
      return changed({ ...s.release, values: [lease.id, lease.owner, now, lease.token, progress?.percent ?? null, progress?.message ?? null] });
    },
    async rescue({ now, exhausted, cancelled }): Promise<RescueResult> {
      const result: RescueResult = { requeued: [], finished: [] };
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (err) {
        throw toStoreError(err);
      }
      // A checked-out client has no error listener of the pool's: without ours, losing it would crash.
      const onError = () => {};
      client.on('error', onError);
      let broken = false;
      try {
        // A session lock: one rescuer at a time over the whole pass; the others skip at once. Each batch
        // commits on its own, so claims can take the requeued records while the pass goes on.
        const lock = await client.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS got', [RESCUE_LOCK, schema]);
        if (!lock.rows[0]?.got) return result;
        try {
          for (;;) {
            const { rows } = await client.query<Row>({ ...s.rescue, values: [now, errorJson(exhausted), errorJson(cancelled)] });
            for (const r of rows) (r.done ? result.finished : result.requeued).push(r.id as string);
            if (rows.length < RESCUE_BATCH) break;
          }
        } finally {
          await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [RESCUE_LOCK, schema]);
        }
        return result;
      } catch (err) {
        broken = true;
        throw toStoreError(err);
      } finally {
        client.removeListener('error', onError);
        // A session that failed mid-way may still hold the lock: drop it rather than pool it.
        client.release(broken);
      }
    },
    close() {
      closed ??= pool.end();
      return closed;
    },
  } satisfies OperationStore;
}
