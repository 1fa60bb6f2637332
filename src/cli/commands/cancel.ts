import type { CancelResult } from '../../client/index.js';
import type { CliContext } from '../cli-context.js';
import { exitCodeForCode, UsageError } from '../exit-codes.js';
import { outcomeLine } from '../format.js';

/** Prints one row per operation; the exit code is the first failure's. */
export function printRows(ctx: CliContext, rows: CancelResult[], success: string): number {
  if (ctx.json) ctx.printJson(rows);
  else for (const row of rows) ctx.out(outcomeLine(row, success));
  const failed = rows.find((r) => !r.ok);
  return failed ? exitCodeForCode(failed.code) : 0;
}

export async function cancelCommand(ctx: CliContext, names: string[], flags: { filter?: string }): Promise<number> {
  if (flags.filter !== undefined && names.length) throw new UsageError('give operation names or --filter, not both');
  if (flags.filter === undefined && !names.length) throw new UsageError('give one or more operation names, or --filter F');
  const session = await ctx.session();
  const rows = flags.filter !== undefined ? await session.cancelMatching(flags.filter) : await session.cancel(names);
  if (!rows.length && !ctx.json) ctx.err('no operations matched');
  return printRows(ctx, rows, 'cancelled');
}
