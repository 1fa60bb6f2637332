/** The benchmark only ever sends load to this machine: anything but a loopback address is refused. */
import { isLoopbackHost } from '../src/auth/loopback.js';
import { UsageError } from './usage-error.js';

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
