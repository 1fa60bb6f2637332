#!/usr/bin/env node
/** The `lro` bin: runs the command, then exits with its code once stdout and stderr are flushed. */
import { runCli } from './program.js';

const code = await runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin });
// Open gRPC channels or keep-alive sockets must not hold the process; the output must not be cut short.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
