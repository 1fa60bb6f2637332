import { toOperationJson } from '../../client/index.js';
import type { CliContext } from '../cli-context.js';
import { operationDetails } from '../format.js';

export async function getCommand(ctx: CliContext, name: string): Promise<number> {
  const op = await (await ctx.session()).operation(name).get();
  if (ctx.json) ctx.printJson(toOperationJson(op));
  else ctx.out(operationDetails(op));
  return 0;
}
