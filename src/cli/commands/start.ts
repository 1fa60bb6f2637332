import { toOperationJson, type JsonObject } from '../../client/index.js';
import type { CliContext } from '../cli-context.js';
import { follow } from '../follow.js';

export interface StartFlags {
  input?: JsonObject;
  label?: Record<string, string>;
  requestId?: string;
  wait?: boolean;
  timeout?: number;
  cancelOnInterrupt?: boolean;
}

export async function startCommand(ctx: CliContext, kind: string, flags: StartFlags): Promise<number> {
  const { session: sessionLabel, ...labels } = flags.label ?? {};
  // `--label session=ID` starts it in that session (so `lro cancel --filter 'metadata.labels.session = "ID"'` finds it).
  const session = await ctx.session(sessionLabel);
  const op = await session.start(kind, flags.input ?? {}, { labels, requestId: flags.requestId });
  if (!flags.wait) {
    if (ctx.json) ctx.printJson(toOperationJson(op.started));
    else ctx.out(op.name);
    return 0;
  }
  if (!ctx.json) ctx.err(`started ${op.name}`);
  return follow(ctx, op, { timeoutMs: flags.timeout, cancelOnInterrupt: flags.cancelOnInterrupt });
}
