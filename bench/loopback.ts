/** The benchmark only ever sends load to this machine: anything but a loopback address is refused. */
import { isIP } from 'node:net';
import { UsageError } from './usage-error.js';

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
  return false;
}

/** Throws a UsageError naming the flag unless `url` points at a loopback host. */
export function assertLoopbackUrl(flag: string, url: string): void {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    throw new UsageError(`${flag} ${JSON.stringify(url)} is not a URL`);
  }
  if (!isLoopbackHost(host)) {
    throw new UsageError(`${flag} points at ${host}: the benchmark only runs against loopback addresses (127.0.0.0/8, localhost, ::1)`);
  }
}
