import { toOperationJson, type Operation } from '../../client/index.js';
import type { CliContext } from '../cli-context.js';
import { operationsTable } from '../format.js';

export interface ListFlags {
  filter?: string;
  limit?: number;
}

export async function listCommand(ctx: CliContext, flags: ListFlags): Promise<number> {
  const limit = flags.limit ?? 50;
  const ops: Operation[] = [];
  let more = false;
  // One more than asked, to tell the reader there are more.
  for await (const op of (await ctx.session()).list({ filter: flags.filter, pageSize: Math.min(limit + 1, 1000) })) {
    if (ops.length === limit) {
      more = true;
      break;
    }
    ops.push(op);
  }
  if (ctx.json) {
    ctx.printJson(ops.map(toOperationJson));
  } else {
    if (ops.length) ctx.out(operationsTable(ops));
    if (more) ctx.err(`(the first ${limit}; --limit shows more)`);
    else if (!ops.length) ctx.err('no operations');
  }
  return 0;
}
