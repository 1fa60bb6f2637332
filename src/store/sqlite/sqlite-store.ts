/**
 * The embedded store: one SQLite file (better-sqlite3, WAL). Writes that read-then-change run in
 * IMMEDIATE transactions, so several processes on one file still never claim a record twice.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { compileListQuery, type SqlDialect } from '../filter-sql.js';
import type {
  Finish,
  BatchCancelResult,
  BatchCancelTarget,
  HeartbeatResult,
  KindStateCount,
  Lease,
  ListQuery,
  NewOperation,
  OperationError,
  OperationRecord,
  OperationStore,
  ProgressReport,
  RescueResult,
} from '../operation-store.js';
import { RECORD_SELECT, rowToRecord, valuesToRecord, type Row } from '../row.js';
import { createTickBatcher, ItemFailure, type BatchAnswers } from '../tick-batcher.js';
import { COUNT_SQL, createCountReader } from './count-reader.js';
import { SQLITE_MIGRATIONS } from './migrations.js';

const dialect: SqlDialect = { param: () => '?', bool: (v) => (v ? 1 : 0) };
/** Group commit: at most one transaction of creates (or of progress reports) per this long (tick-batcher.ts). */
const GROUP_COMMIT_MS = 1;
/** Expired leases taken back per transaction. */
const RESCUE_BATCH = 500;

function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)');
  db.transaction(() => {
    const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
    const current = row.v ?? 0;
    if (current > SQLITE_MIGRATIONS.length) {
      throw new Error(`the database schema (version ${current}) is newer than this server knows (${SQLITE_MIGRATIONS.length})`);
    }
    for (let v = current + 1; v <= SQLITE_MIGRATIONS.length; v++) {
      db.exec(SQLITE_MIGRATIONS[v - 1]!);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(v, Date.now());
    }
  }).immediate();
}

export function createSqliteStore(path: string): OperationStore {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  migrate(db);

  const s = {
    insert: db.prepare(
      `INSERT INTO operations (id, kind, input, state, done, create_time, update_time, cancellable, max_attempts, request_id, labels, principal)
       VALUES (@id, @kind, @input, 'QUEUED', 0, @now, @now, @cancellable, @maxAttempts, @requestId, @labels, @principal)
       ON CONFLICT (principal, request_id) DO NOTHING RETURNING *`,
    ),
    insertLabel: db.prepare('INSERT INTO operation_labels (key, value, operation_id) VALUES (?, ?, ?)'),
    deleteLabels: db.prepare('DELETE FROM operation_labels WHERE operation_id = ?'),
    byRequestId: db.prepare('SELECT * FROM operations WHERE principal = ? AND request_id = ?'),
    get: db.prepare('SELECT * FROM operations WHERE id = ?'),
    getOwned: db.prepare('SELECT * FROM operations WHERE id = ? AND principal = ?'),
    // The hot read (Get, Wait, Watch): raw rows skip building an object per row.
    read: db.prepare(`SELECT ${RECORD_SELECT} FROM operations WHERE id = ?`).raw(true),
    // The same read for one principal: another's record is not found by the very query that would read it.
    readOwned: db.prepare(`SELECT ${RECORD_SELECT} FROM operations WHERE id = ? AND principal = ?`).raw(true),
    delete: db.prepare('DELETE FROM operations WHERE id = ? AND done = 1'),
    purge: db.prepare(
      // Named, because without statistics the planner prefers (done, id) and sorts every done record.
      `DELETE FROM operations WHERE id IN (
         SELECT id FROM operations INDEXED BY operations_purge WHERE done = 1 AND end_time < ? ORDER BY end_time LIMIT ?
       ) RETURNING id`,
    ).pluck(),
    // Counts entries of the (state, id) index only: about 4 ms for 100,000 queued (queue-limit.ts avoids it).
    countQueued: db.prepare(`SELECT count(*) FROM operations WHERE state = 'QUEUED'`).pluck(),
    countByKindAndState: db.prepare(COUNT_SQL),
    cancelQueued: db.prepare(
      `UPDATE operations SET state = 'CANCELLED', done = 1, requested_cancellation = 1, error = @error,
         update_time = @now, end_time = @now WHERE id = @id AND state = 'QUEUED' RETURNING *`,
    ),
    cancelRunning: db.prepare(
      `UPDATE operations SET requested_cancellation = 1, update_time = @now
       WHERE id = @id AND state = 'RUNNING' RETURNING *`,
    ),
    progress: db.prepare(
      `UPDATE operations SET progress_percent = @percent, status_message = COALESCE(@message, status_message), update_time = @now
       WHERE id = @id AND state = 'RUNNING' AND lease_owner = @owner AND lease_token = @token`,
    ),
    finish: db.prepare(
      `UPDATE operations SET state = @state, done = 1, output = @output, error = @error, update_time = @now, end_time = @now,
         progress_percent = CASE WHEN @state = 'SUCCEEDED' THEN 100 ELSE COALESCE(@percent, progress_percent) END,
         status_message = COALESCE(@message, status_message),
         lease_owner = NULL, lease_expiry = NULL
       WHERE id = @id AND state = 'RUNNING' AND lease_owner = @owner AND lease_token = @token RETURNING *`,
    ),
    release: db.prepare(
      `UPDATE operations SET state = 'QUEUED', attempt = MAX(attempt - 1, 0), lease_owner = NULL, lease_expiry = NULL,
         progress_percent = COALESCE(@percent, progress_percent), status_message = COALESCE(@message, status_message),
         update_time = @now WHERE id = @id AND state = 'RUNNING' AND lease_owner = @owner AND lease_token = @token`,
    ),
    heartbeat: db.prepare(
      `UPDATE operations SET lease_expiry = @expiry
       WHERE id = @id AND state = 'RUNNING' AND lease_owner = @owner AND lease_token = @token
       RETURNING id, requested_cancellation`,
    ),
    expired: db.prepare(
      `SELECT id, attempt, max_attempts, requested_cancellation FROM operations
       WHERE state = 'RUNNING' AND lease_expiry < ? ORDER BY lease_expiry LIMIT ${RESCUE_BATCH}`,
    ),
    requeue: db.prepare(
      `UPDATE operations SET state = 'QUEUED', lease_owner = NULL, lease_expiry = NULL, update_time = @now WHERE id = @id`,
    ),
    failExpired: db.prepare(
      `UPDATE operations SET state = @state, done = 1, error = @error, lease_owner = NULL, lease_expiry = NULL,
         update_time = @now, end_time = @now WHERE id = @id`,
    ),
  };
  const counter = path === ':memory:' ? undefined : createCountReader(path);
  const listStatements = new Map<string, Database.Statement>();
  const claimStatements = new Map<number, Database.Statement>();
  const claimStatement = (kindCount: number) => {
    let st = claimStatements.get(kindCount);
    if (!st) {
      const kinds = Array.from({ length: kindCount }, () => '?').join(', ');
      st = db.prepare(
        `UPDATE operations SET state = 'RUNNING', attempt = attempt + 1, start_time = ?, update_time = ?,
           lease_owner = ?, lease_expiry = ?, lease_token = lease_token + 1
         WHERE id IN (SELECT id FROM operations WHERE state = 'QUEUED' AND kind IN (${kinds}) ORDER BY id LIMIT ?)
         RETURNING *`,
      );
      claimStatements.set(kindCount, st);
    }
    return st;
  };

  const errorJson = (e: OperationError) => JSON.stringify(e);

  function createOne(op: NewOperation): { operation: OperationRecord; created: boolean } {
    const row = s.insert.get({
      id: op.id,
      kind: op.kind,
      input: JSON.stringify(op.input),
      now: op.now,
      cancellable: op.cancellable ? 1 : 0,
      maxAttempts: op.maxAttempts,
      requestId: op.requestId,
      labels: JSON.stringify(op.labels),
      principal: op.principal ?? '',
    }) as Row | undefined;
    if (row) {
      for (const [key, value] of Object.entries(op.labels)) s.insertLabel.run(key, value, op.id);
      return { operation: rowToRecord(row), created: true };
    }
    return { operation: rowToRecord(s.byRequestId.get(op.principal ?? '', op.requestId) as Row), created: false };
  }

  type FinishArgs = { lease: Lease; now: number; result: Finish; progress?: ProgressReport };
  function finishOne({ lease, now, result, progress }: FinishArgs): OperationRecord | undefined {
    const row = s.finish.get({
      ...lease,
      now,
      percent: progress?.percent ?? null,
      message: progress?.message ?? null,
      state: result.state,
      output: result.state === 'SUCCEEDED' ? JSON.stringify(result.output) : null,
      error: result.state === 'SUCCEEDED' ? null : errorJson(result.error),
    }) as Row | undefined;
    return row && rowToRecord(row);
  }

  type ProgressArgs = { lease: Lease; percent: number; message: string | null; now: number };
  const progressOne = ({ lease, percent, message, now }: ProgressArgs) => s.progress.run({ ...lease, percent, message, now }).changes === 1;

  /**
   * Group commit: the creates, progress reports and finishes of one event-loop turn go in one IMMEDIATE
   * transaction each (a commit is most of what a write costs here). An item that throws fails alone.
   */
  function grouped<I, O>(one: (item: I) => O, minIntervalMs: number) {
    const all = db.transaction((items: I[]): BatchAnswers<O> =>
      items.map((item) => {
        try {
          return one(item);
        } catch (err) {
          return new ItemFailure(err);
        }
      }),
    );
    return createTickBatcher<I, O>((items) => all.immediate(items), { minIntervalMs });
  }
  // Finishes go at the next turn: a cancel's latency includes its finish, and a finish's neighbours in a
  // turn are batched anyway. Creates and progress reports may wait a millisecond for company.
  const create = grouped(createOne, GROUP_COMMIT_MS);
  const finish = grouped(finishOne, 0);
  const progress = grouped(progressOne, GROUP_COMMIT_MS);

  const remove = db.transaction((id: string): 'deleted' | 'not_found' | 'not_done' => {
    if (s.delete.run(id).changes === 1) {
      s.deleteLabels.run(id);
      return 'deleted';
    }
    return s.get.get(id) ? 'not_done' : 'not_found';
  });

  const purge = db.transaction((before: number, limit: number): string[] => {
    const ids = s.purge.all(before, limit) as string[];
    for (const id of ids) s.deleteLabels.run(id);
    return ids;
  });

  const requestCancel = db.transaction((id: string, now: number, error: OperationError) => {
    const queued = s.cancelQueued.get({ id, now, error: errorJson(error) }) as Row | undefined;
    if (queued) return { outcome: 'cancelled' as const, operation: rowToRecord(queued) };
    const running = s.cancelRunning.get({ id, now }) as Row | undefined;
    if (running) return { outcome: 'requested' as const, operation: rowToRecord(running) };
    const row = s.get.get(id) as Row | undefined;
    return row ? { outcome: 'already_done' as const, operation: rowToRecord(row) } : undefined;
  });

  function listRows(listQuery: ListQuery): Row[] {
    const { text, values } = compileListQuery(listQuery, dialect, 'operations', 'operation_labels');
    let statement = listStatements.get(text);
    if (!statement) {
      if (listStatements.size >= 200) listStatements.clear(); // filters vary; keep the cache bounded
      listStatements.set(text, (statement = db.prepare(text)));
    }
    return statement.all(...values) as Row[];
  }

  const requestCancelMany = db.transaction((target: BatchCancelTarget, now: number, error: OperationError) => {
    let ids: string[];
    let more = false;
    let principal: string | undefined;
    if ('ids' in target) {
      ids = target.ids;
      principal = target.principal;
    } else {
      const rows = listRows({ ...target.query, limit: target.query.limit + 1 });
      more = rows.length > target.query.limit;
      ids = rows.slice(0, target.query.limit).map((r) => r.id as string);
    }
    // An id given twice gets the first one's result (both see the call's effect, as one statement would).
    const byId = new Map<string, BatchCancelResult>();
    const results = ids.map((id): BatchCancelResult => {
      let result = byId.get(id);
      if (!result) byId.set(id, (result = cancelOne(id, now, error, principal)));
      return result;
    });
    return { results, more };
  });

  function cancelOne(id: string, now: number, error: OperationError, principal: string | undefined): BatchCancelResult {
    const row = (principal === undefined ? s.get.get(id) : s.getOwned.get(id, principal)) as Row | undefined;
    if (!row) return { id, outcome: 'not_found' };
    // As CancelOperation: a kind that cannot be cancelled answers so in any state.
    if (!row.cancellable) return { id, outcome: 'not_cancellable', operation: rowToRecord(row) };
    if (row.done) return { id, outcome: 'already_done', operation: rowToRecord(row) };
    const queued = s.cancelQueued.get({ id, now, error: errorJson(error) }) as Row | undefined;
    if (queued) return { id, outcome: 'cancelled', operation: rowToRecord(queued) };
    return { id, outcome: 'requested', operation: rowToRecord(s.cancelRunning.get({ id, now }) as Row) };
  }

  const claim = db.transaction((owner: string, kinds: string[], limit: number, leaseMs: number, now: number) =>
    (claimStatement(kinds.length).all(now, now, owner, now + leaseMs, ...kinds, limit) as Row[])
      .map(rowToRecord)
      .sort((a, b) => (a.id < b.id ? -1 : 1)),
  );

  const heartbeat = db.transaction((owner: string, leases: { id: string; token: number }[], leaseMs: number, now: number) => {
    const held: HeartbeatResult[] = [];
    for (const { id, token } of leases) {
      const row = s.heartbeat.get({ id, owner, token, expiry: now + leaseMs }) as Row | undefined;
      if (row) held.push({ id, requestedCancellation: Boolean(row.requested_cancellation) });
    }
    return held;
  });

  /** One batch; returns how many records it took back. */
  const rescueBatch = db.transaction((now: number, exhausted: OperationError, cancelled: OperationError, result: RescueResult): number => {
    const rows = s.expired.all(now) as Row[];
    for (const row of rows) {
      const id = row.id as string;
      if (row.requested_cancellation) {
        s.failExpired.run({ id, now, state: 'CANCELLED', error: errorJson(cancelled) });
        result.finished.push(id);
      } else if (Number(row.attempt) >= Number(row.max_attempts)) {
        s.failExpired.run({ id, now, state: 'FAILED', error: errorJson(exhausted) });
        result.finished.push(id);
      } else {
        s.requeue.run({ id, now });
        result.requeued.push(id);
      }
    }
    return rows.length;
  });

  return {
    leaseClock: 'caller',
    create(op) {
      return create(op);
    },
    async get(id, principal) {
      const values = (principal === undefined ? s.read.get(id) : s.readOwned.get(id, principal)) as unknown[] | undefined;
      return values && valuesToRecord(values);
    },
    async list(listQuery: ListQuery) {
      return listRows(listQuery).map(rowToRecord);
    },
    async countByKindAndState() {
      // A file is counted off the event loop (count-reader.ts); an in-memory database has no second connection.
      return counter ? counter.count() : (s.countByKindAndState.all() as KindStateCount[]);
    },
    async requestCancelMany(target, now, error) {
      return requestCancelMany.immediate(target, now, error);
    },
    async delete(id) {
      return remove(id);
    },
    async requestCancel(id, now, error) {
      return requestCancel.immediate(id, now, error);
    },
    async purgeDone({ before, limit }) {
      return limit > 0 ? purge.immediate(before, limit) : [];
    },
    async countQueued() {
      return s.countQueued.get() as number;
    },
    async getByRequestId(requestId, principal) {
      const row = s.byRequestId.get(principal ?? '', requestId) as Row | undefined;
      return row && rowToRecord(row);
    },
    async claim({ owner, kinds, limit, leaseMs, now }) {
      if (limit <= 0 || kinds.length === 0) return [];
      return claim.immediate(owner, kinds, limit, leaseMs, now);
    },
    async heartbeat({ owner, leases, leaseMs, now }) {
      if (leases.length === 0) return [];
      return heartbeat.immediate(owner, leases, leaseMs, now);
    },
    progress(args) {
      return progress(args);
    },
    finish(args) {
      return finish(args);
    },
    async release({ lease, now, progress }) {
      return s.release.run({ ...lease, now, percent: progress?.percent ?? null, message: progress?.message ?? null }).changes === 1;
    },
    async rescue({ now, exhausted, cancelled }) {
      // A transaction per batch, so claims and other writers get the file between batches.
      const result: RescueResult = { requeued: [], finished: [] };
      while (rescueBatch.immediate(now, exhausted, cancelled, result) === RESCUE_BATCH) {
        await new Promise((r) => setImmediate(r));
      }
      return result;
    },
    async close() {
      await counter?.close();
      if (db.open) db.close();
    },
  } satisfies OperationStore as OperationStore;
}

export type { OperationRecord };
