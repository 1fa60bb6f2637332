import { toKindJson } from '../../client/index.js';
import type { CliContext } from '../cli-context.js';
import { kindsTable } from '../format.js';

export async function kindsCommand(ctx: CliContext): Promise<number> {
  const kinds = await (await ctx.session()).kinds();
  if (ctx.json) ctx.printJson(kinds.map(toKindJson));
  else ctx.out(kindsTable(kinds));
  return 0;
}
