/**
 * The grouped count behind the lro_operations gauge, read off the event loop: better-sqlite3 is
 * synchronous, and GROUP BY kind, state over every stored operation costs about 1 µs a row (100 ms per
 * 100,000), which on the server's thread would stall every call once per scrape. A worker thread with its
 * own read-only connection (WAL lets it read beside the writer) does the scan instead. An index on
 * (kind, state) would make the scan ten times cheaper, but measured 40 % slower on create → claim → finish,
 * the path the throughput benchmark runs; scrapes are rare, writes are not.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { KindStateCount } from '../operation-store.js';

export const COUNT_SQL = 'SELECT kind, state, COUNT(*) AS count FROM operations GROUP BY kind, state';

/** CommonJS, run with eval: the driver comes by its resolved path, so no module resolution depends on the cwd. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { readonly: true, fileMustExist: true });
db.pragma('busy_timeout = 5000');
const count = db.prepare(workerData.sql);
parentPort.on('message', (id) => {
  try {
    parentPort.postMessage({ id, rows: count.all() });
  } catch (err) {
    parentPort.postMessage({ id, error: String(err && err.message) });
  }
});
`;

export interface CountReader {
  count(): Promise<KindStateCount[]>;
  close(): Promise<void>;
}

/** Reads the file at `path` in a worker started on first use; the worker never keeps the process alive. */
export function createCountReader(path: string): CountReader {
  let worker: Worker | undefined;
  let nextId = 0;
  const pending = new Map<number, { resolve(rows: KindStateCount[]): void; reject(err: Error): void }>();
  const failAll = (err: Error) => {
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };

  function started(): Worker {
    if (worker) return worker;
    const w = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { path, driver: createRequire(import.meta.url).resolve('better-sqlite3'), sql: COUNT_SQL },
    });
    w.unref();
    w.on('message', (m: { id: number; rows?: KindStateCount[]; error?: string }) => {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.rows) p.resolve(m.rows);
      else p.reject(new Error(`counting operations failed: ${m.error}`));
    });
    w.on('error', (err) => {
      failAll(err);
      worker = undefined; // the next count starts another
    });
    w.on('exit', () => {
      failAll(new Error('the counting worker stopped'));
      if (worker === w) worker = undefined;
    });
    return (worker = w);
  }

  return {
    count() {
      const id = nextId++;
      return new Promise<KindStateCount[]>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        started().postMessage(id);
      });
    },
    async close() {
      const w = worker;
      worker = undefined;
      if (w) await w.terminate();
    },
  };
}
