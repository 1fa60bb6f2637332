/** Medians and percentiles: the only statistics the table uses. */

export function median(values: number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile (p in 0–100) of unsorted values; NaN when there are none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/**
 * Wall-clock ms, comparable across processes on one machine. Date.now(), not timeOrigin + performance.now():
 * on this kind of VM the monotonic clock drifts from the wall clock by a fraction of a ms per second, so a
 * long-lived process's performance-based time is off by tens of ms against a fresh one's.
 */
export function wallMs(): number {
  return Date.now();
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
