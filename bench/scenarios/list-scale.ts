/**
 * list-scale: ListOperations (pageSize 100) over 1,000,000 stored operations, through the in-process
 * API: the first page and page 5,000 (reached by page tokens), with and without `done = false`. The
 * baseline of the deep page is the first page; the p99 goal holds for every one of the four.
 */
import { startServerHost } from '../hosts.js';
import { addRatio, addValue, int, ms } from '../results.js';
import { freshStore, storesToMeasure, type Scenario } from '../scenario.js';

type Latencies = { first: { p50: number; p99: number }; deep: { p50: number; p99: number } };

export const listScale: Scenario = async (ctx) => {
  const { options, results } = ctx;
  const samples = options.smoke ? 20 : 200;
  const measured: Record<string, unknown> = {};
  const stores = storesToMeasure(ctx, 'list-scale', [
    ['list-scale.postgres.p99', '≤ 20 ms', 20],
    ['list-scale.postgres.deep-vs-first', '≤ 1.5×', 1.5],
  ]);
  for (const store of stores) {
    const host = await startServerHost(`list-${store}`, options.profile);
    try {
      const spec = await freshStore(ctx, store, 'list');
      await host.call('open', { store: spec, concurrency: options.concurrency, logLevel: options.logLevel });
      const seedMs = await host.call<number>('seed', { store: spec, rows: options.listRows });
      ctx.log(`${store}: ${int(options.listRows)} operations stored in ${int(seedMs)} ms`);
      const byFilter: Record<string, Latencies> = {};
      for (const filter of ['', 'done = false']) {
        byFilter[filter || '(none)'] = await host.call<Latencies>('listLatency', { filter, deepPage: options.listDeepPage, samples });
        const l = byFilter[filter || '(none)']!;
        ctx.log(`${store} filter ${filter || '(none)'}: first p50 ${ms(l.first.p50)} p99 ${ms(l.first.p99)}; page ${options.listDeepPage} p50 ${ms(l.deep.p50)} p99 ${ms(l.deep.p99)}`);
      }
      measured[store] = { rows: options.listRows, deepPage: options.listDeepPage, samples, seedMs, byFilter };
      const all = Object.values(byFilter);
      const worstP99 = Math.max(...all.flatMap((l) => [l.first.p99, l.deep.p99]));
      const [worstFilter, worst] = Object.entries(byFilter).sort(([, a], [, b]) => b.deep.p50 / b.first.p50 - a.deep.p50 / a.first.p50)[0]!;
      const detail = Object.entries(byFilter)
        .map(([f, l]) => `${f}: first ${ms(l.first.p99)}, deep ${ms(l.deep.p99)}`)
        .join('; ');
      const label = `${store}, ${int(options.listRows)} stored, pageSize 100`;
      addValue(results, { scenario: 'list-scale', key: `list-scale.${store}.p99`, figure: `${label}: worst p99 ${ms(worstP99)} (${detail})`, value: worstP99, unit: 'ms', goal: 20 });
      addRatio(results, {
        scenario: 'list-scale',
        key: `list-scale.${store}.deep-vs-first`,
        figure: `${store}: page ${int(options.listDeepPage)} p50 ${ms(worst.deep.p50)} (filter ${worstFilter}, the worse ratio of the two)`,
        baseline: `first page p50 ${ms(worst.first.p50)}`,
        ratio: worst.deep.p50 / worst.first.p50,
        goal: 1.5,
        atMost: true,
      });
    } finally {
      await host.stop();
    }
  }
  results.measurements['list-scale'] = measured;
};
