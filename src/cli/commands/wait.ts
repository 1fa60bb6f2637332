import type { CliContext } from '../cli-context.js';
import { follow } from '../follow.js';

export interface WaitFlags {
  timeout?: number;
  cancelOnInterrupt?: boolean;
}

export async function waitCommand(ctx: CliContext, name: string, flags: WaitFlags): Promise<number> {
  return follow(ctx, (await ctx.session()).operation(name), { timeoutMs: flags.timeout, cancelOnInterrupt: flags.cancelOnInterrupt });
}
