/** Servers in child processes (the real CLI) with a gRPC client each, all stopped when the test file ends. */
import { spawnServer, type ChildServer } from './child-server.js';
import { createGrpcClient, type GrpcClient } from './grpc-client.js';

export interface CliServer {
  child: ChildServer;
  client: GrpcClient;
}

export interface CliServers {
  /** Starts `src/main.ts` with these arguments and waits until it listens. */
  start(args: string[]): Promise<CliServer>;
  /** Closes every client and kills (SIGKILL) every child still running. */
  closeAll(): Promise<void>;
}

export function cliServers(): CliServers {
  const started: CliServer[] = [];
  return {
    async start(args) {
      const child = spawnServer(args);
      const server: CliServer = { child, client: createGrpcClient((await child.listening).grpc) };
      started.push(server);
      return server;
    },
    async closeAll() {
      for (const s of started) s.client.close();
      await Promise.all(started.map((s) => s.child.stop('SIGKILL')));
    },
  };
}
