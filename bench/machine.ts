/** The machine a run measured: figures only compare within one run, but a reader needs to know where. */
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, platform, release, totalmem } from 'node:os';

export interface Machine {
  cores: number;
  memoryBytes: number;
  cpuModel: string;
  os: string;
  node: string;
  sqlite: string;
  postgres: string;
  redis: string;
  /** 1-minute load average when the run began: on a shared machine, a hint of how noisy it was. */
  loadAverageAtStart: number;
  commit: string;
}

export function describeMachine(versions: { postgres?: string; redis?: string }): Machine {
  const db = new Database(':memory:');
  const sqlite = (db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  db.close();
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // not a git checkout
  }
  return {
    cores: availableParallelism(),
    memoryBytes: totalmem(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    os: `${platform()} ${release()}`,
    node: process.version,
    sqlite,
    postgres: versions.postgres ?? 'not reachable',
    redis: versions.redis ?? 'not reachable',
    loadAverageAtStart: Math.round(loadavg()[0]! * 100) / 100,
    commit,
  };
}
