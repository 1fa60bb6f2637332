import { defineKind, input } from '../runtime/kind.js';

export const demoPurge = defineKind({
  name: 'demo.purge',
  description: 'An irreversible step that must not be interrupted: it cannot be cancelled.',
  cancellable: false,
  maxAttempts: 1,
  validate(raw) {
    input.only(raw, ['seconds']);
    return { seconds: input.number(raw, 'seconds', { default: 2, min: 0, max: 3600 }) };
  },
  async handler({ seconds }, ctx) {
    ctx.progress(0, 'purging');
    await new Promise((r) => setTimeout(r, seconds * 1000)); // deliberately deaf to the signal
    ctx.progress(100, 'purged');
    return { purged: true };
  },
});
