/**
 * The `lro` command: every command of API.md, global flags before or after the command, `--help` on each.
 * `runCli` returns the exit code and never throws: errors become one line on stderr (code name and message).
 */
import { Command, CommanderError, Option } from 'commander';
import { createCliContext, type CliContext, type CliIo, type GlobalFlags } from './cli-context.js';
import { duration, jsonObject, label, positiveInteger } from './arguments.js';
import type { StartFlags } from './commands/start.js';
import type { WaitFlags } from './commands/wait.js';
import { describeError, exitCodeFor } from './exit-codes.js';

export const DEFAULT_SERVER = 'http://127.0.0.1:8080';
const DEFAULT_LIST_LIMIT = 50;

// Commands load on use: `--help` and usage errors answer without loading google-gax and the protos.

function createProgram(io: CliIo, done: (run: (ctx: CliContext) => Promise<number>, cmd: Command) => void): Command {
  const program = new Command('lro')
    .description('Start, follow, list and cancel long-running operations on an lro-server.')
    .addOption(new Option('--server <url>', 'http://… or https://… (HTTP/JSON), grpc://… (gRPC)').env('LRO_SERVER').default(DEFAULT_SERVER))
    .addOption(new Option('--token <token>', 'sent as "authorization: Bearer <token>"').env('LRO_TOKEN'))
    .option('--json', 'machine-readable output on stdout: one JSON document per command')
    .configureHelp({ showGlobalOptions: true })
    .exitOverride()
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) })
    .showHelpAfterError('(lro --help, or lro <command> --help)')
    .addHelpText(
      'after',
      '\nExit codes: 0 success, 1 usage error, 10 + the google.rpc code otherwise (15 NOT_FOUND, 22 UNIMPLEMENTED,\n' +
        '11 for an operation that ended CANCELLED), 130 when Ctrl-C only stopped a wait.',
    );

  const interruptOption = () => new Option('--cancel-on-interrupt', 'Ctrl-C cancels the operation without asking');

  program
    .command('kinds')
    .description('list the kinds of operations the server runs')
    .action((_opts, cmd: Command) => done(async (ctx) => (await import('./commands/kinds.js')).kindsCommand(ctx), cmd));

  program
    .command('start')
    .description("start an operation; prints its name (--wait: follows it to its end)")
    .argument('<kind>', 'e.g. demo.sleep or kinds/demo.sleep')
    .option('--input <json>', 'the input, a JSON object', jsonObject)
    .option('--label <key=value>', 'a label (repeatable); session=ID starts it in session ID', label)
    .option('--request-id <id>', 'idempotency key: the same id again returns the same operation')
    .option('--wait', 'wait until it is done, with a progress bar')
    .option('--timeout <duration>', 'with --wait: stop waiting after this long (e.g. 30s)', duration)
    .addOption(interruptOption())
    .action((kind: string, opts: StartFlags, cmd: Command) => done(async (ctx) => (await import('./commands/start.js')).startCommand(ctx, kind, opts), cmd));

  program
    .command('get')
    .description('show one operation')
    .argument('<name>', 'operations/…')
    .action((name: string, _opts, cmd: Command) => done(async (ctx) => (await import('./commands/get.js')).getCommand(ctx, name), cmd));

  program
    .command('list')
    .description('list operations, newest first')
    .option('--filter <filter>', 'AIP-160 filter, e.g. \'done = false AND metadata.kind = "kinds/demo.sleep"\'')
    .option('--limit <n>', `show at most n (default ${DEFAULT_LIST_LIMIT})`, positiveInteger)
    .action((opts: { filter?: string; limit?: number }, cmd: Command) => done(async (ctx) => (await import('./commands/list.js')).listCommand(ctx, { limit: DEFAULT_LIST_LIMIT, ...opts }), cmd));

  program
    .command('wait')
    .description('follow an operation to its end (Ctrl-C asks whether to cancel it)')
    .argument('<name>', 'operations/…')
    .option('--timeout <duration>', 'stop waiting after this long (e.g. 30s); exit 14 if not done by then', duration)
    .addOption(interruptOption())
    .action((name: string, opts: WaitFlags, cmd: Command) => done(async (ctx) => (await import('./commands/wait.js')).waitCommand(ctx, name, opts), cmd));

  program
    .command('cancel')
    .description('cancel operations by name, or every match of a filter; one line per operation')
    .argument('[names...]', 'operations/…')
    .option('--filter <filter>', 'cancel every operation this AIP-160 filter matches')
    .action((names: string[], opts: { filter?: string }, cmd: Command) => done(async (ctx) => (await import('./commands/cancel.js')).cancelCommand(ctx, names, opts), cmd));

  program
    .command('delete')
    .description('delete done operations; one line per operation')
    .argument('<names...>', 'operations/…')
    .action((names: string[], _opts, cmd: Command) => done(async (ctx) => (await import('./commands/delete.js')).deleteCommand(ctx, names), cmd));

  for (const cmd of program.commands) {
    cmd.exitOverride().configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) });
    cmd.showHelpAfterError(`(lro ${cmd.name()} --help)`);
  }
  return program;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let exitCode = 0;
  let running: Promise<void> | undefined;
  const program = createProgram(io, (run, cmd) => {
    const ctx = createCliContext(cmd.optsWithGlobals<GlobalFlags>(), io);
    running = (async () => {
      try {
        exitCode = await run(ctx);
      } catch (err) {
        exitCode = exitCodeFor(err);
        io.stderr.write(`lro: ${describeError(err)}\n`);
      } finally {
        await ctx.close();
      }
    })();
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    throw err;
  }
  if (!running) {
    program.outputHelp();
    return 1;
  }
  await running;
  return exitCode;
}
