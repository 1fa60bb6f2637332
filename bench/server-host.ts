/**
 * A helper process that embeds our server (through the adapter) and answers the harness's calls. Our
 * server runs alone in it, so its CPU time is its own and `--profile` (node --cpu-prof) profiles only it.
 * One instance at a time: `open` builds a fresh one on the store it is given, `close` ends it.
 */
import { benchKinds, holdOverlaps, holdStarts, releaseGate } from './bench-kinds.js';
import { serveCalls } from './ipc.js';
import { driveStarts } from './load/drive-starts.js';
import { preload, startLro, seedListRows, type LroInstance, type LroOptions } from './lro-adapter.js';
import { percentile, sleep, wallMs } from './stats.js';

let lro: LroInstance | undefined;
// Loading the server takes seconds: begin while the harness starts the other processes of the scenario.
const preloaded = preload();
preloaded.catch(() => {}); // reported by `open`
const need = () => {
  if (!lro) throw new Error('no server is open: call open first');
  return lro;
};

async function until(what: string, timeoutMs: number, check: () => Promise<boolean> | boolean): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(20);
  }
}

async function countRunning(): Promise<number> {
  let count = 0;
  let pageToken = '';
  do {
    const page = await need().list({ filter: 'metadata.state = "RUNNING"', pageSize: 1000, pageToken });
    count += page.names.length;
    pageToken = page.nextPageToken;
  } while (pageToken);
  return count;
}

serveCalls(
  {
    async open(params: Omit<LroOptions, 'kinds'> & { kinds?: string[] }) {
      if (lro) throw new Error('a server is already open here');
      await preloaded;
      lro = await startLro({ ...params, kinds: (params.kinds ?? []).map((k) => benchKinds[k]!) });
      return { http: lro.http, grpc: lro.grpc };
    },
    async close() {
      const current = lro;
      lro = undefined;
      await current?.close();
    },
    usage() {
      const cpu = process.cpuUsage();
      return { cpuMicros: cpu.user + cpu.system, rss: process.memoryUsage().rss };
    },
    /** One finished demo.sleep operation: the body that get-http and get-grpc fetch over and over. */
    async sampleOperation() {
      const name = await need().start('demo.sleep', { seconds: 0 });
      const op = await need().wait(name, 10_000);
      if (!op.done) throw new Error(`${name} did not finish`);
      return name;
    },
    async throughput(p: { jobs: number; inFlight: number; capMs: number }) {
      const server = need();
      return driveStarts({
        count: p.jobs,
        inFlight: p.inFlight,
        capMs: p.capMs,
        start: () => server.start('demo.sleep', { seconds: 0 }),
        anyUnfinished: async () => (await server.list({ filter: 'done = false', pageSize: 1 })).names.length > 0,
        countFinished: async () => p.jobs - (await server.countNotDone()),
      });
    },
    async startMany(p: { kind: string; count: number; inFlight: number }) {
      const names: string[] = [];
      let next = 0;
      const worker = async () => {
        while (next < p.count) {
          next++;
          names.push(await need().start(p.kind, {}));
        }
      };
      await Promise.all(Array.from({ length: Math.min(p.inFlight, p.count) }, worker));
      return names;
    },
    async untilRunning(p: { count: number; timeoutMs: number }) {
      await until(`${p.count} operations run`, p.timeoutMs, async () => (await countRunning()) >= p.count);
    },
    countRunning,
    /**
     * For each operation in turn: a WaitOperation is pending (all of them were opened first), then
     * CancelOperation; the sample is the time from the cancel call until that Wait answers done.
     */
    async cancelLatency(p: { names: string[]; timeoutMs: number }) {
      const server = need();
      const before = server.activeWaiters;
      const waits = p.names.map((name) => {
        let resolvedAt = 0;
        const result = server.wait(name, p.timeoutMs).then((op) => {
          resolvedAt = performance.now();
          return op;
        });
        return { name, result, at: () => resolvedAt };
      });
      await until(`${p.names.length} Waits are pending`, 30_000, () => server.activeWaiters >= before + p.names.length);
      const totalMs: number[] = [];
      const callMs: number[] = [];
      let notCancelled = 0;
      for (const w of waits) {
        const t0 = performance.now();
        await server.cancel(w.name);
        callMs.push(performance.now() - t0);
        const op = await w.result;
        totalMs.push(w.at() - t0);
        if (!op.done || op.errorCode !== 1) notCancelled++;
      }
      return { totalMs, callMs, notCancelled };
    },
    async seed(p: { store: string; rows: number }) {
      const t0 = performance.now();
      await seedListRows(p.store, p.rows);
      return performance.now() - t0;
    },
    /** Latencies of ListOperations (pageSize 100): the first page, and page `deepPage` reached through tokens. */
    async listLatency(p: { filter: string; deepPage: number; samples: number }) {
      const server = need();
      const query = { filter: p.filter, pageSize: 100 };
      let token = '';
      for (let page = 1; page < p.deepPage; page++) {
        token = (await server.list({ ...query, pageToken: token })).nextPageToken;
        if (!token) throw new Error(`there is no page ${p.deepPage} for filter ${JSON.stringify(p.filter)} (it ended at ${page})`);
      }
      const time = async (pageToken: string) => {
        const t0 = performance.now();
        const page = await server.list({ ...query, pageToken });
        if (page.names.length !== 100) throw new Error(`a page of ${page.names.length} operations, not 100`);
        return performance.now() - t0;
      };
      const first: number[] = [];
      const deep: number[] = [];
      // Interleaved, so noise from the shared machine hits both alike.
      for (let i = 0; i < p.samples; i++) {
        first.push(await time(''));
        deep.push(await time(token));
      }
      return {
        first: { p50: percentile(first, 50), p99: percentile(first, 99) },
        deep: { p50: percentile(deep, 50), p99: percentile(deep, 99) },
      };
    },
    activeWaiters: () => need().activeWaiters,
    /**
     * In this process: a Wait on each name through the in-process API, then the gate opens; the time until
     * each Wait answers done. Separates the engine's wake-up from the transport's.
     */
    async gateWakeInProcess(p: { names: string[] }) {
      const server = need();
      const before = server.activeWaiters;
      const waits = p.names.map((name) => server.wait(name, 60_000).then((op) => ({ at: performance.now(), done: op.done })));
      await until('the Waits are pending', 30_000, () => server.activeWaiters >= before + p.names.length);
      const t0 = performance.now();
      releaseGate();
      return (await Promise.all(waits)).map((w) => (w.done ? w.at - t0 : NaN));
    },
    /** Opens bench.gate; returns the wall-clock time it did, which wake-ups are measured from. */
    openGate() {
      const at = wallMs();
      releaseGate();
      return at;
    },
    holdStarts: () => ({ starts: holdStarts, overlaps: holdOverlaps }),
    async summaries(names: string[]) {
      return Promise.all(names.map((n) => need().get(n)));
    },
  },
  async () => {
    await lro?.close();
  },
);
