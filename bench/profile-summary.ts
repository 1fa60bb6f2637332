/**
 * `npx tsx bench/profile-summary.ts bench/profiles/NAME.cpuprofile [--top N]`: where a `--profile` run's
 * CPU went, as text: self time by module (our src/ files, each node_modules package, Node internals, GC),
 * the functions with the most self time, and the inclusive time of our own (src/) functions. For the
 * flame graph itself, open the file in Chrome DevTools (Performance → Load profile) or speedscope.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function moduleOf(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  // The last src/ or bench/ in the path: a checkout may itself sit in a folder named bench.
  const at = Math.max(url.lastIndexOf('/src/'), url.lastIndexOf('/bench/'));
  if (at >= 0) return url.slice(at + 1);
  if (url.startsWith('node:')) return 'node:internal';
  return url;
}

export function summarize(profile: CpuProfile, top = 25): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  });
  const key = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} ${moduleOf(n.callFrame.url, n.callFrame.functionName)}:${n.callFrame.lineNumber + 1}`;
  const selfByFn = new Map<string, number>();
  const selfByModule = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, t] of self) {
    const n = byId.get(id)!;
    selfByFn.set(key(n), (selfByFn.get(key(n)) ?? 0) + t);
    const mod = moduleOf(n.callFrame.url, n.callFrame.functionName);
    selfByModule.set(mod, (selfByModule.get(mod) ?? 0) + t);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const c = byId.get(cur)!;
      if (!/\/src\//.test(c.callFrame.url)) continue;
      const k = key(c);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + t);
    }
  }
  const pct = (t: number) => `${((100 * t) / total).toFixed(1).padStart(5)}%`;
  const list = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, t]) => `  ${pct(t)}  ${k}`)
      .join('\n');
  return [
    `${(total / 1e6).toFixed(2)} s sampled`,
    'self time by module:',
    list(selfByModule, top),
    'functions with the most self time:',
    list(selfByFn, top),
    'our functions (src/), inclusive time:',
    list(inclusive, top),
  ].join('\n');
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string' } } });
if (positionals.length === 0) {
  process.stderr.write('usage: npx tsx bench/profile-summary.ts FILE.cpuprofile… [--top N]\n');
  process.exit(2);
}
for (const file of positionals) {
  process.stdout.write(`== ${file}\n${summarize(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, Number(values.top ?? 25))}\n\n`);
}
