/** What every scenario gets, and the small things they share. */
import { loud, type Availability } from './availability.js';
import type { BenchOptions } from './options.js';
import { freshSchema, tempSqliteStore } from './resources.js';
import { addSkipped, type Results } from './results.js';
import { median } from './stats.js';

export interface ScenarioContext {
  options: BenchOptions;
  results: Results;
  availability: Availability;
  /** A progress line on stderr (the table alone goes to stdout). */
  log(message: string): void;
}

export type Scenario = (ctx: ScenarioContext) => Promise<void>;

export type StoreName = 'sqlite' | 'postgres';

/**
 * The stores this run measures: the ones asked for, less PostgreSQL when it is not there, which is said
 * loudly and leaves its goals (`postgresGoals`: key, goal text, goal number) in the table as not measured.
 */
export function storesToMeasure(ctx: ScenarioContext, scenario: string, postgresGoals: [string, string, number][] = []): StoreName[] {
  return ctx.options.stores.filter((s) => {
    if (s === 'postgres' && ctx.availability.postgresProblem) {
      loud(`${scenario} on PostgreSQL: ${ctx.availability.postgresProblem}`);
      for (const [key, goal, goalValue] of postgresGoals) addSkipped(ctx.results, { scenario, key, goal, goalValue, why: ctx.availability.postgresProblem });
      return false;
    }
    return true;
  });
}

/** A fresh, empty store of that kind, cleaned up at the end of the run. */
export async function freshStore(ctx: ScenarioContext, store: StoreName, label: string): Promise<string> {
  return store === 'sqlite' ? tempSqliteStore(label) : (await freshSchema(ctx.options.postgresUrl)).url;
}

/** Runs `fn` `reps` times and returns every result. */
export async function repeat<T>(reps: number, fn: (rep: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let rep = 0; rep < reps; rep++) out.push(await fn(rep));
  return out;
}

export function medianOf<T>(items: T[], pick: (t: T) => number): number {
  return median(items.map(pick));
}
