import { demoFail } from './demo-fail.js';
import { demoHash } from './demo-hash.js';
import { demoPurge } from './demo-purge.js';
import { demoSleep } from './demo-sleep.js';

export { demoFail, demoHash, demoPurge, demoSleep };

/** The built-in demo kinds of API.md. */
export const demoKinds = [demoSleep, demoHash, demoPurge, demoFail];
