/**
 * get-http: GetOperation over HTTP/JSON with 10 connections (autocannon, its own process) against bare
 * fastify answering the very bytes our server answered. Ours and the baseline alternate within each
 * repetition, so a noisy neighbour hurts both alike; the ratio is the median of the repetitions' ratios.
 */
import { startLoadHelper, startPeerHost, startServerHost } from '../hosts.js';
import type { HttpLoadResult } from '../load/http-load.js';
import { addRatio, int, ms } from '../results.js';
import { tempSqliteStore } from '../resources.js';
import { medianOf, repeat, type Scenario } from '../scenario.js';
import type { Helper } from '../ipc.js';

type Usage = { cpuMicros: number };

/** One autocannon run, with the CPU time the server process spent meanwhile. */
async function measure(load: Helper, url: string, server: Helper, seconds: number): Promise<HttpLoadResult & { cpuPerRequestUs: number }> {
  const before = await server.call<Usage>('usage');
  const r = await load.call<HttpLoadResult>('run', { url, connections: 10, seconds });
  const after = await server.call<Usage>('usage');
  return { ...r, cpuPerRequestUs: (after.cpuMicros - before.cpuMicros) / Math.max(1, r.total) };
}

export const getHttp: Scenario = async (ctx) => {
  const { options } = ctx;
  const [host, peer, load] = await Promise.all([
    startServerHost('get-http-server', options.profile),
    startPeerHost('bare-fastify'),
    startLoadHelper('autocannon', 'http-load'),
  ]);
  try {
    const { http } = await host.call<{ http: string }>('open', { store: tempSqliteStore('get-http'), concurrency: options.concurrency, logLevel: options.logLevel });
    const name = await host.call<string>('sampleOperation');
    const ours = `${http}/v1/${name}`;
    const res = await fetch(ours);
    const body = Buffer.from(await res.arrayBuffer());
    if (res.status !== 200) throw new Error(`GET ${ours}: HTTP ${res.status} ${body.toString().slice(0, 200)}`);
    const bareBase = await peer.call<string>('bareHttp', { body, contentType: res.headers.get('content-type') ?? 'application/json' });
    const bare = `${bareBase}/v1/${name}`;
    const check = Buffer.from(await (await fetch(bare)).arrayBuffer());
    if (!check.equals(body)) throw new Error('bare fastify does not answer the same bytes as our server');
    ctx.log(`GET ${name}: ${body.length} bytes, the same from both`);

    if (!options.smoke) {
      const warm = Math.max(1, Math.round(options.durationS / 5));
      for (const url of [ours, bare]) await load.call('run', { url, connections: 10, seconds: warm });
    }
    const runs = await repeat(options.reps, async (rep) => {
      // Alternate who goes first, so a trend in the machine's load does not favour one side.
      const order = rep % 2 === 0 ? (['ours', 'bare'] as const) : (['bare', 'ours'] as const);
      const out: Partial<Record<'ours' | 'bare', Awaited<ReturnType<typeof measure>>>> = {};
      for (const who of order) out[who] = await measure(load, who === 'ours' ? ours : bare, who === 'ours' ? host : peer, options.durationS);
      ctx.log(`rep ${rep + 1}: ours ${int(out.ours!.rps)} req/s, bare fastify ${int(out.bare!.rps)} req/s`);
      return out as Record<'ours' | 'bare', Awaited<ReturnType<typeof measure>>>;
    });
    const oursRps = medianOf(runs, (r) => r.ours.rps);
    const bareRps = medianOf(runs, (r) => r.bare.rps);
    const failures = runs.reduce((n, r) => n + r.ours.errors + r.ours.non2xx, 0);
    ctx.results.measurements['get-http'] = { bodyBytes: body.length, runs };
    addRatio(ctx.results, {
      scenario: 'get-http',
      key: 'get-http',
      figure: `${int(oursRps)} req/s, ${int(medianOf(runs, (r) => r.ours.cpuPerRequestUs))} µs CPU/req, p99 ${ms(medianOf(runs, (r) => r.ours.p99Ms))}${failures ? `, ${failures} FAILED` : ''}`,
      baseline: `bare fastify: ${int(bareRps)} req/s, ${int(medianOf(runs, (r) => r.bare.cpuPerRequestUs))} µs CPU/req`,
      // Per repetition, ours and the baseline ran seconds apart: the median of their ratios is steadier than a ratio of medians.
      ratio: medianOf(runs, (r) => r.ours.rps / r.bare.rps),
      broken: failures > 0,
      goal: 0.8,
    });
  } finally {
    await Promise.all([host.stop(), peer.stop(), load.stop()]);
  }
};
