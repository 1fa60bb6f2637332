/**
 * Which outside services this run can use, found out in seconds: PostgreSQL and Redis with connect
 * timeouts, and whether BullMQ has a Redis driver to talk through. A missing one is said loudly and the
 * figures that need it are skipped, never waited for.
 */
import { createRequire } from 'node:module';
import { pgQuery } from './resources.js';
import { redisVersion } from './redis-probe.js';

export interface Availability {
  /** Server version, or undefined with `postgresProblem` set. */
  postgres?: string;
  postgresProblem?: string;
  redis?: string;
  redisProblem?: string;
  /** BullMQ 6 needs ioredis (or node-redis) beside it; it ships neither. */
  bullmqProblem?: string;
  /** The same in a few words, for a table cell. */
  bullmqShort?: string;
}

export async function checkAvailability(postgresUrl: string, redisUrl: string): Promise<Availability> {
  const result: Availability = {};
  await Promise.all([
    pgQuery<{ server_version: string }>(postgresUrl, 'SHOW server_version').then(
      (rows) => (result.postgres = rows[0]?.server_version ?? 'unknown'),
      (err: Error) => (result.postgresProblem = `PostgreSQL is not reachable at ${redact(postgresUrl)}: ${err.message || (err as { code?: string }).code}`),
    ),
    redisVersion(redisUrl).then(
      (v) => (result.redis = v),
      (err: Error) => (result.redisProblem = `Redis is not reachable at ${redisUrl}: ${err.message || (err as { code?: string }).code}`),
    ),
  ]);
  if (result.redisProblem) {
    result.bullmqProblem = result.redisProblem;
    result.bullmqShort = 'Redis not reachable';
  } else if (!redisDriverInstalled()) {
    result.bullmqShort = 'its Redis driver ioredis is not installed';
    result.bullmqProblem =
      'BullMQ 6 cannot talk to Redis here: its Redis driver (the optional peer dependency `ioredis`) is not installed; add ioredis to devDependencies';
  }
  return result;
}

export function redisDriverInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('ioredis');
    return true;
  } catch {
    return false;
  }
}

/** Prints a line nobody can miss. */
export function loud(message: string): void {
  const bar = '!'.repeat(78);
  process.stderr.write(`\n${bar}\n!! SKIPPING: ${message}\n${bar}\n`);
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
