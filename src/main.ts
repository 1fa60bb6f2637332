/** CLI entry: parse config once, build the server, listen, and shut down gracefully on SIGTERM/SIGINT. */
import pino from 'pino';
import { createServer } from './app.js';
import { ConfigError, parseConfig, usage } from './config.js';

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
  const { kinds, ...rest } = config;
  const server = createServer({ ...rest, kindModules: kinds, logger });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'signal received');
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  try {
    await server.listen();
  } catch (err) {
    logger.fatal({ err }, 'could not start');
    process.exit(1);
  }
}

void main();
