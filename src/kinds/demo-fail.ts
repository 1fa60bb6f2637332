import { ApiError } from '../errors/api-error.js';
import { Code, codeName, type CodeNumber } from '../errors/code.js';
import { defineKind, input } from '../runtime/kind.js';

export const demoFail = defineKind({
  name: 'demo.fail',
  description: 'Fails with the google.rpc code it is given, optionally after a while.',
  cancellable: true,
  validate(raw) {
    input.only(raw, ['code', 'message', 'afterSeconds']);
    return {
      code: input.number(raw, 'code', { default: Code.INTERNAL, min: 1, max: 16, integer: true }),
      message: input.string(raw, 'message', ''),
      afterSeconds: input.number(raw, 'afterSeconds', { default: 0, min: 0, max: 3600 }),
    };
  },
  async handler({ code, message, afterSeconds }, ctx) {
    if (afterSeconds > 0) await ctx.sleep(afterSeconds * 1000);
    const c = code as CodeNumber;
    throw new ApiError(c, message || `demo.fail failed with ${codeName(c)} as asked`, { reason: 'DEMO_FAILURE' });
  },
});
