import { LroError, type CancelResult } from '../../client/index.js';
import type { CliContext } from '../cli-context.js';
import { printRows } from './cancel.js';

export async function deleteCommand(ctx: CliContext, names: string[]): Promise<number> {
  const session = await ctx.session();
  const rows: CancelResult[] = [];
  for (const name of names) {
    try {
      await session.operation(name).delete();
      rows.push({ name, ok: true, code: 0, codeName: 'OK' });
    } catch (err) {
      const e = LroError.from(err);
      rows.push({ name, ok: false, code: e.code, codeName: e.codeName, reason: e.reason, message: e.message });
    }
  }
  return printRows(ctx, rows, 'deleted');
}
