/**
 * get-grpc: GetOperation over gRPC, 50 calls in flight from two load generator processes (25 each),
 * against bare grpc-js serving the same message. Ours and the baseline alternate within each repetition.
 */
import { startLoadHelper, startPeerHost, startServerHost } from '../hosts.js';
import type { Helper } from '../ipc.js';
import { nameRequest } from '../load/name-request.js';
import { addRatio, int } from '../results.js';
import { tempSqliteStore } from '../resources.js';
import { medianOf, repeat, type Scenario } from '../scenario.js';

const METHOD = '/google.longrunning.Operations/GetOperation';
const GENERATORS = 2;
const IN_FLIGHT = 50;

type Run = { calls: number; errors: number; elapsedMs: number; firstError: string };

async function measure(address: string, request: Uint8Array, server: Helper, loaders: Helper[], seconds: number, warmupS: number) {
  const run = (durationMs: number) =>
    Promise.all(loaders.map((l) => l.call<Run>('run', { address, method: METHOD, request, inFlight: IN_FLIGHT / loaders.length, warmupMs: 0, durationMs })));
  if (warmupS > 0) await run(warmupS * 1000);
  const before = await server.call<{ cpuMicros: number }>('usage');
  const runs = await run(seconds * 1000);
  const after = await server.call<{ cpuMicros: number }>('usage');
  const calls = runs.reduce((n, r) => n + r.calls, 0);
  return {
    rate: runs.reduce((n, r) => n + (r.calls * 1000) / r.elapsedMs, 0),
    calls,
    errors: runs.reduce((n, r) => n + r.errors, 0),
    cpuPerCallUs: (after.cpuMicros - before.cpuMicros) / Math.max(1, calls),
    firstError: runs.find((r) => r.firstError)?.firstError ?? '',
  };
}

export const getGrpc: Scenario = async (ctx) => {
  const { options } = ctx;
  const [host, peer, ...loaders] = await Promise.all([
    startServerHost('get-grpc-server', options.profile),
    startPeerHost('bare-grpc'),
    ...Array.from({ length: GENERATORS }, (_, i) => startLoadHelper(`grpc-load-${i + 1}`, 'grpc-load')),
  ]);
  try {
    const { grpc } = await host.call<{ grpc: string }>('open', { store: tempSqliteStore('get-grpc'), concurrency: options.concurrency, logLevel: options.logLevel });
    const name = await host.call<string>('sampleOperation');
    const request = nameRequest(name);
    const response = await loaders[0]!.call<Uint8Array>('capture', { address: grpc, method: METHOD, request });
    const bare = await peer.call<{ address: string; sameBytes: boolean }>('bareGrpc', { response });
    ctx.log(`GetOperation ${name}: ${response.length} bytes${bare.sameBytes ? ', the same from both' : ' (bare grpc-js re-encodes them differently!)'}`);

    const runs = await repeat(options.reps, async (rep) => {
      const order = rep % 2 === 0 ? (['ours', 'bare'] as const) : (['bare', 'ours'] as const);
      const out: Partial<Record<'ours' | 'bare', Awaited<ReturnType<typeof measure>>>> = {};
      for (const who of order) {
        out[who] = await measure(who === 'ours' ? grpc : bare.address, request, who === 'ours' ? host : peer, loaders, options.durationS, options.smoke ? 0 : Math.max(1, options.durationS / 5));
      }
      ctx.log(`rep ${rep + 1}: ours ${int(out.ours!.rate)} calls/s, bare grpc-js ${int(out.bare!.rate)} calls/s`);
      return out as Record<'ours' | 'bare', Awaited<ReturnType<typeof measure>>>;
    });
    const ours = medianOf(runs, (r) => r.ours.rate);
    const base = medianOf(runs, (r) => r.bare.rate);
    const errors = runs.reduce((n, r) => n + r.ours.errors, 0);
    ctx.results.measurements['get-grpc'] = { messageBytes: response.length, sameBytes: bare.sameBytes, runs };
    addRatio(ctx.results, {
      scenario: 'get-grpc',
      key: 'get-grpc',
      figure: `${int(ours)} calls/s, ${int(medianOf(runs, (r) => r.ours.cpuPerCallUs))} µs CPU/call${errors ? `, ${errors} FAILED (${runs.find((r) => r.ours.firstError)?.ours.firstError})` : ''}`,
      baseline: `bare grpc-js: ${int(base)} calls/s, ${int(medianOf(runs, (r) => r.bare.cpuPerCallUs))} µs CPU/call`,
      ratio: medianOf(runs, (r) => r.ours.rate / r.bare.rate),
      broken: errors > 0,
      goal: 0.9,
    });
  } finally {
    await Promise.all([host.stop(), peer.stop(), ...loaders.map((l) => l.stop())]);
  }
};
