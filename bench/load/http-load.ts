/**
 * The HTTP load generator process: autocannon (its programmatic API) with N connections for a fixed time.
 * Its own process, so it never shares an event loop with the server it measures.
 */
import autocannon from 'autocannon';
import { serveCalls } from '../ipc.js';

export interface HttpLoadResult {
  /** Requests per second over the run (autocannon's average of per-second samples). */
  rps: number;
  total: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

serveCalls({
  reset() {},
  async run(p: { url: string; connections: number; seconds: number }): Promise<HttpLoadResult> {
    const r = await autocannon({ url: p.url, connections: p.connections, duration: p.seconds });
    return { rps: r.requests.average, total: r.requests.total, p50Ms: r.latency.p50, p99Ms: r.latency.p99, errors: r.errors, non2xx: r.non2xx };
  },
});
