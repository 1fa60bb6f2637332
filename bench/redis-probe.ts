/**
 * Just enough RESP to ask the local Redis whether it is there, its version, and to delete the keys a run
 * made (SCAN + DEL by prefix). Independent of BullMQ's driver, so cleanup works even when that is missing.
 */
import { createConnection, type Socket } from 'node:net';

type Resp = string | number | null | Resp[];

function encode(args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** Parses one reply from `buf` at `at`; undefined when more bytes are needed. */
function parse(buf: Buffer, at: number): { value: Resp; end: number } | undefined {
  const eol = buf.indexOf('\r\n', at);
  if (eol < 0) return undefined;
  const head = buf.toString('utf8', at + 1, eol);
  switch (String.fromCharCode(buf[at]!)) {
    case '+':
      return { value: head, end: eol + 2 };
    case '-':
      throw new Error(`Redis: ${head}`);
    case ':':
      return { value: Number(head), end: eol + 2 };
    case '$': {
      const n = Number(head);
      if (n < 0) return { value: null, end: eol + 2 };
      if (buf.length < eol + 2 + n + 2) return undefined;
      return { value: buf.toString('utf8', eol + 2, eol + 2 + n), end: eol + 2 + n + 2 };
    }
    case '*': {
      const n = Number(head);
      const items: Resp[] = [];
      let pos = eol + 2;
      for (let i = 0; i < n; i++) {
        const item = parse(buf, pos);
        if (!item) return undefined;
        items.push(item.value);
        pos = item.end;
      }
      return { value: items, end: pos };
    }
    default:
      throw new Error(`unexpected Redis reply ${JSON.stringify(head)}`);
  }
}

export interface RedisProbe {
  command(...args: string[]): Promise<Resp>;
  close(): void;
}

/** Connects with a short timeout: a missing Redis must be reported in seconds, not hang the run. */
export function connectRedis(url: string, timeoutMs = 2000): Promise<RedisProbe> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket: Socket = createConnection({ host: hostname.replace(/^\[|\]$/g, ''), port: Number(port || 6379) });
    let buf = Buffer.alloc(0);
    const waiting: { resolve(v: Resp): void; reject(e: Error): void }[] = [];
    const timer = setTimeout(() => socket.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        let reply;
        try {
          reply = parse(buf, 0);
        } catch (err) {
          buf = Buffer.alloc(0);
          waiting.shift()?.reject(err as Error);
          continue;
        }
        if (!reply) break;
        buf = buf.subarray(reply.end);
        waiting.shift()?.resolve(reply.value);
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      for (const w of waiting.splice(0)) w.reject(err);
      reject(err);
    });
    socket.on('connect', () => {
      clearTimeout(timer);
      resolve({
        command: (...args) =>
          new Promise<Resp>((res, rej) => {
            waiting.push({ resolve: res, reject: rej });
            socket.write(encode(args));
          }),
        close: () => socket.destroy(),
      });
    });
  });
}

/** Deletes every key that starts with `prefix`; returns how many. */
export async function deleteRedisKeys(url: string, prefix: string): Promise<number> {
  const redis = await connectRedis(url);
  try {
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = (await redis.command('SCAN', cursor, 'MATCH', `${prefix}*`, 'COUNT', '1000')) as [string, string[]];
      cursor = next;
      if (keys.length > 0) deleted += (await redis.command('DEL', ...keys)) as number;
    } while (cursor !== '0');
    return deleted;
  } finally {
    redis.close();
  }
}

/** The server's version, e.g. "7.0.15". */
export async function redisVersion(url: string): Promise<string> {
  const redis = await connectRedis(url);
  try {
    const info = (await redis.command('INFO', 'server')) as string;
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } finally {
    redis.close();
  }
}
