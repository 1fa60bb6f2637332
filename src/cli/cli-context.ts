/** What every command gets: the global flags, the streams, and one SDK session made on first use. */
import { userInfo } from 'node:os';
import type { Session } from '../client/index.js';

export interface GlobalFlags {
  server: string;
  token?: string;
  json?: boolean;
}

export interface CliIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
}

export interface CliContext {
  readonly flags: GlobalFlags;
  readonly json: boolean;
  readonly io: CliIo;
  /** The session (loads the SDK on first use); `sessionId` (default `cli-<user>`) only counts on the first call. */
  session(sessionId?: string): Promise<Session>;
  out(text: string): void;
  err(text: string): void;
  printJson(value: unknown): void;
  close(): Promise<void>;
}

/**
 * The session of every `lro` run by this user: `cli-<user>`. One id across runs, because the server binds a
 * request id to the labels it came with (the session's included): `lro start --request-id X` run again must
 * find the operation the first run made, not be refused as a reuse with other input.
 */
export function defaultCliSessionId(): string {
  let user = '';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (some containers): the plain id
  }
  const safe = user.replace(/[^A-Za-z0-9._~-]/g, '_').slice(0, 59);
  return safe ? `cli-${safe}` : 'cli';
}

export function createCliContext(flags: GlobalFlags, io: CliIo): CliContext {
  let session: Session | undefined;
  return {
    flags,
    json: flags.json === true,
    io,
    async session(sessionId) {
      if (!session) {
        const { createSession } = await import('../client/session.js');
        session = createSession({ server: flags.server, token: flags.token || undefined, id: sessionId ?? defaultCliSessionId() });
      }
      return session;
    },
    out: (text) => void io.stdout.write(`${text}\n`),
    err: (text) => void io.stderr.write(`${text}\n`),
    printJson: (value) => void io.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    async close() {
      await session?.close();
    },
  };
}
