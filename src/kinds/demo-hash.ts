import { defineKind, input } from '../runtime/kind.js';
import { runInWorkerThread } from '../runtime/worker-thread.js';

/**
 * The worker thread's source. It hashes `megabytes` generated 1 MiB chunks and polls the shared
 * cancellation flag before each chunk, so a cancel stops it within one chunk.
 */
const HASH_WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { input, cancelFlag } = workerData;
const chunk = Buffer.alloc(1024 * 1024);
for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 31 + 7) & 0xff;
const hash = createHash('sha256');
let reported = -1;
for (let i = 0; i < input.megabytes; i++) {
  if (Atomics.load(cancelFlag, 0) === 1) {
    parentPort.postMessage({ type: 'progress', percent: Math.floor((i * 100) / input.megabytes), message: 'cancelled after ' + i + ' of ' + input.megabytes + ' MiB' });
    parentPort.postMessage({ type: 'cancelled' });
    return;
  }
  chunk.writeUInt32LE(i, 0);
  hash.update(chunk);
  const percent = Math.floor(((i + 1) * 100) / input.megabytes);
  if (percent !== reported) {
    reported = percent;
    parentPort.postMessage({ type: 'progress', percent, message: 'hashed ' + (i + 1) + ' of ' + input.megabytes + ' MiB' });
  }
}
parentPort.postMessage({ type: 'result', output: { sha256: hash.digest('hex') } });
`;

export const demoHash = defineKind({
  name: 'demo.hash',
  description: 'CPU-bound SHA-256 over generated data in a worker thread that polls a shared cancellation flag between 1 MiB chunks.',
  cancellable: true,
  validate(raw) {
    input.only(raw, ['megabytes']);
    return { megabytes: input.number(raw, 'megabytes', { default: 64, min: 1, max: 1_048_576, integer: true }) };
  },
  handler(args, ctx) {
    return runInWorkerThread(ctx, args, { script: `(function () {${HASH_WORKER}})();`, eval: true });
  },
});
