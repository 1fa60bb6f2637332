import { defineKind, input } from '../runtime/kind.js';

export const demoSleep = defineKind({
  name: 'demo.sleep',
  description: 'Sleeps in steps, reporting progress; stops at once when cancelled (unless ignoreCancel).',
  cancellable: true,
  validate(raw) {
    input.only(raw, ['seconds', 'steps', 'ignoreCancel']);
    return {
      seconds: input.number(raw, 'seconds', { default: 5, min: 0, max: 86_400 }),
      steps: input.number(raw, 'steps', { default: 10, min: 1, max: 100_000, integer: true }),
      ignoreCancel: input.boolean(raw, 'ignoreCancel', false),
    };
  },
  async handler({ seconds, steps, ignoreCancel }, ctx) {
    const stepMs = (seconds * 1000) / steps;
    const started = Date.now();
    for (let step = 1; step <= steps; step++) {
      if (ignoreCancel) await new Promise((r) => setTimeout(r, stepMs));
      else await ctx.sleep(stepMs); // rejects the moment the signal fires: far finer than every 10 ms
      ctx.progress((step * 100) / steps, `step ${step} of ${steps}`);
    }
    return { slept: (Date.now() - started) / 1000 };
  },
});
