/** What every command gets: the global flags, the streams, and one SDK session made on first use. */
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
  /** The session (loads the SDK on first use); `sessionId` only counts on the first call. */
  session(sessionId?: string): Promise<Session>;
  out(text: string): void;
  err(text: string): void;
  printJson(value: unknown): void;
  close(): Promise<void>;
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
        session = createSession({ server: flags.server, token: flags.token || undefined, id: sessionId });
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
