/** CLI entry: parse config once, build the server, listen, and shut down gracefully on SIGTERM/SIGINT. */
import pino from 'pino';
import { createServer } from './app.js';
import { ConfigError, parseConfig, usage } from './config.js';

/**
 * A signal sent to the whole process group reaches this process several times (npm and a loader forward
 * it too): signals within this long of the first are the same request to stop. Only a later one forces
 * an exit.
 */
const SAME_REQUEST_MS = 1_000;

async function main(): Promise<void> {
  let config;
  try {
    config = parseConfig(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`lro-server: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (!config) {
    process.stdout.write(usage());
    return;
  }
  const logger = pino({ level: config.logLevel });
  const server = createServer({ ...config, logger });
  let stopRequestedAt: number | undefined;
  const stop = (signal: NodeJS.Signals) => {
    const now = Date.now();
    if (stopRequestedAt !== undefined) {
      if (now - stopRequestedAt <= SAME_REQUEST_MS) return;
      logger.warn({ signal }, 'second signal: exiting now, without waiting for running work');
      process.exit(1);
    }
    stopRequestedAt = now;
    logger.info({ signal }, 'signal received: draining');
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  try {
    await server.listen();
  } catch (err) {
    logger.fatal({ err }, 'could not start');
    process.exit(1);
  }
}

void main();
