/**
 * Operation ids: lowercase ULIDs (Crockford base32: 10 characters of millisecond time, 16 of randomness),
 * URL-safe and time-ordered, so keyset pages follow creation order. Within one millisecond the random
 * part is incremented (a monotonic ULID), so ids from one process always increase. Random bytes come
 * from a pool refilled in bulk: the `ulid` package asked WebCrypto for every character, which was a
 * quarter of a StartOperation's CPU.
 */
import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;

export interface IdFactory {
  (now?: number): string;
}

export function createIdFactory(): IdFactory {
  const pool = Buffer.alloc(RANDOM_CHARS * 256);
  let offset = pool.length;
  let lastTime = -1;
  const random = new Uint8Array(RANDOM_CHARS); // each 0..31
  let randomText = '';

  const freshRandom = () => {
    if (offset + RANDOM_CHARS > pool.length) {
      randomFillSync(pool);
      offset = 0;
    }
    let text = '';
    for (let i = 0; i < RANDOM_CHARS; i++) {
      random[i] = pool[offset + i]! & 31;
      text += ALPHABET[random[i]!];
    }
    offset += RANDOM_CHARS;
    return text;
  };

  /** The random part plus one (base 32, carrying left); throws in the (2^80 per ms) case it overflows. */
  const increment = () => {
    let i = RANDOM_CHARS - 1;
    while (i >= 0 && random[i] === 31) random[i--] = 0;
    if (i < 0) throw new Error('operation id space of this millisecond is exhausted');
    random[i]!++;
    let text = '';
    for (let j = 0; j < RANDOM_CHARS; j++) text += ALPHABET[random[j]!];
    return text;
  };

  let timeText = '';
  return (now = Date.now()) => {
    if (now > lastTime) {
      lastTime = now;
      let t = now;
      timeText = '';
      for (let i = 0; i < TIME_CHARS; i++) {
        timeText = ALPHABET[t % 32]! + timeText;
        t = Math.floor(t / 32);
      }
      randomText = freshRandom();
    } else {
      randomText = increment();
    }
    return timeText + randomText;
  };
}
