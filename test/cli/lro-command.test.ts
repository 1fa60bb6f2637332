/**
 * The `lro` command as a process against a real server: every command, `--json`, `--help` everywhere, global
 * flags before or after the command, LRO_SERVER and LRO_TOKEN, both wires, plain progress lines when stdout is a pipe, and
 * the exit codes of API.md (0, 1, 10 + code: 11 cancelled, 14 not done in time, 15 not found, 22 cannot be
 * cancelled). Bad input gets a clear message and never a stack trace. Independent runs go in parallel: each
 * one starts a Node process.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHeldKind } from '../helpers/held-kind.js';
import { untilDone, untilRunning } from '../helpers/operations.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { runLro, type LroRun } from './run-lro.js';

// Every case runs several Node processes; on a busy machine that takes a while (no timing goals here).
vi.setConfig({ testTimeout: 180_000 });

let t: TestServer;
let lro: (...args: string[]) => Promise<LroRun>;

// A kind that cannot be cancelled and stays running till the file ends (the server's close waits for such work).
const irreversible = createHeldKind('test.irreversible', { cancellable: false });

beforeAll(async () => {
  t = await startTestServer({ kinds: [irreversible.kind] });
  lro = (...args) => runLro(args, { LRO_SERVER: t.http });
});
afterAll(async () => {
  irreversible.releaseAll();
  await t?.close();
});

const MISSING = 'operations/01aaaaaaaaaaaaaaaaaaaaaaaa';
const noStackTrace = (run: LroRun) => expect(run.stderr).not.toMatch(/\n\s+at .+\(/);

describe('lro', () => {
  it('has --help on every command, and exit code 1 for usage errors', async () => {
    const commands = ['kinds', 'start', 'get', 'list', 'wait', 'cancel', 'delete'];
    const [top, ...each] = await Promise.all([lro('--help'), ...commands.map((c) => lro(c, '--help'))]);
    expect(top.code).toBe(0);
    for (const c of commands) expect(top.stdout).toContain(c);
    expect(top.stdout).toMatch(/LRO_SERVER/);
    each.forEach((run, i) => {
      expect(run.code, commands[i]).toBe(0);
      expect(run.stdout).toContain(`Usage: lro ${commands[i]}`);
      expect(run.stdout).toContain('--server'); // the global flags are shown too
    });

    const usage = await Promise.all([
      lro('bogus'),
      lro('get'),
      lro('start', 'demo.sleep', '--input', 'not json'),
      lro('start', 'demo.sleep', '--input', '[1,2]'),
      lro('start', 'demo.sleep', '--label', 'novalue'),
      lro('wait', MISSING, '--timeout', 'soon'),
      lro('list', '--limit', '0'),
      lro('cancel'),
      lro('cancel', MISSING, '--filter', 'done = false'),
      lro('--server', 'ftp://127.0.0.1:21', 'kinds'),
    ]);
    const messages = [
      /unknown command 'bogus'/,
      /missing required argument 'name'/,
      /--input .* not JSON/,
      /must be a JSON object/,
      /"novalue" is not key=value/,
      /"soon" is not a duration/,
      /"0" is not a whole number/,
      /give one or more operation names, or --filter/,
      /not both/,
      /unknown scheme ftp:/,
    ];
    usage.forEach((run, i) => {
      expect(run.code, run.stderr).toBe(1);
      expect(run.stderr).toMatch(messages[i]!);
      noStackTrace(run);
    });
  });

  it('kinds: a table, or a JSON array with --json before or after the command', async () => {
    const [table, after, before] = await Promise.all([lro('kinds'), lro('kinds', '--json'), lro('--json', 'kinds')]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^NAME\s+CANCELLABLE/);
    expect(table.stdout).toMatch(/kinds\/demo\.purge\s+no/);
    for (const run of [after, before]) {
      expect(run.code).toBe(0);
      const kinds = JSON.parse(run.stdout) as Array<{ name: string; cancellable: boolean }>;
      expect(kinds).toContainEqual(expect.objectContaining({ name: 'kinds/demo.sleep', cancellable: true, timeout: '3600s' }));
    }
  });

  it('start prints the name (or the Operation as proto3 JSON); a request id makes it idempotent; get and list show it', async () => {
    const requestId = `cli-${Date.now()}`;
    const [plain, json, again] = await Promise.all([
      lro('start', 'demo.fail', '--input', '{"code":5}'),
      lro('start', 'kinds/demo.sleep', '--input', '{"seconds":0}', '--label', 'team=a', '--request-id', requestId, '--json'),
      lro('start', 'demo.sleep', '--input', '{"seconds":0}', '--label', 'team=a', '--request-id', requestId),
    ]);
    expect(plain.code).toBe(0);
    const name = plain.stdout.trim();
    expect(name).toMatch(/^operations\/[0-9a-z]{26}$/);
    expect(json.code).toBe(0);
    const op = JSON.parse(json.stdout) as { name: string; done: boolean; metadata: Record<string, unknown> };
    expect(op.metadata).toMatchObject({ '@type': 'type.googleapis.com/lro.v1.OperationMetadata', kind: 'kinds/demo.sleep' });
    expect(again.stdout.trim()).toBe(op.name);

    await untilDone(t.grpc, op.name);
    const [details, getJson, list] = await Promise.all([
      lro('get', op.name),
      lro('get', op.name, '--json'),
      lro('list', '--filter', 'metadata.kind = "kinds/demo.sleep"', '--limit', '1', '--json'),
    ]);
    expect(details.code).toBe(0);
    expect(details.stdout).toMatch(/state:\s+SUCCEEDED/);
    expect(details.stdout).toMatch(/result:\s+\{"slept":/);
    expect(JSON.parse(getJson.stdout)).toMatchObject({
      name: op.name,
      done: true,
      response: { '@type': 'type.googleapis.com/google.protobuf.Struct', value: { slept: expect.any(Number) } },
    });
    expect((JSON.parse(list.stdout) as unknown[]).length).toBe(1);

    const table = await lro('list', '--limit', '1');
    expect(table.stdout).toMatch(/^NAME\s+KIND\s+STATE/);
    expect(table.stderr).toMatch(/the first 1; --limit shows more/);
  });

  it('get: NOT_FOUND exits 15 and a name that is not an operation’s exits 13, with the code name on stderr', async () => {
    const [missing, bad] = await Promise.all([lro('get', MISSING), lro('get', 'kinds/demo.sleep')]);
    expect(missing.code).toBe(15);
    expect(missing.stderr).toMatch(/^lro: NOT_FOUND: operations\/01a+ does not exist/);
    expect(bad.code).toBe(13);
    expect(bad.stderr).toMatch(/INVALID_ARGUMENT: .*is not an operation name/);
    expect(missing.stdout + bad.stdout).toBe('');
    [missing, bad].forEach(noStackTrace);
  });

  it('wait: plain lines on a pipe; exits 0, 10 + the error code, 11 when cancelled, 14 when not done in time', async () => {
    const ok = await lro('start', 'demo.sleep', '--input', '{"seconds":0.6,"steps":3}', '--wait');
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(/^started operations\//);
    expect(ok.stdout).toMatch(/operations\/\S+ {2}SUCCEEDED {2}\{"slept":/);
    expect(ok.stdout).not.toContain('\u001b['); // no escape codes when stdout is not a terminal

    const failed = (await t.grpc.start('demo.fail', { code: 5 })).name;
    const long = (await t.grpc.start('demo.sleep', { seconds: 600 })).name;
    await untilRunning(t.grpc, long);
    const [failedRun, notYet] = await Promise.all([lro('wait', failed), lro('wait', long, '--timeout', '200ms', '--json')]);
    expect(failedRun.code).toBe(15);
    expect(failedRun.stderr).toMatch(/NOT_FOUND \(5\)/);
    expect(notYet.code).toBe(14);
    expect(JSON.parse(notYet.stdout)).toMatchObject({ name: long, done: false });
    expect(notYet.stderr).toMatch(/DEADLINE_EXCEEDED: .* is not done after 0\.2s/);

    await t.grpc.cancelOperation({ name: long });
    const cancelled = await lro('--server', `grpc://${t.grpcAddress}`, 'wait', long);
    expect(cancelled.code).toBe(11);
    expect(cancelled.stdout).toMatch(/CANCELLED \(CANCELLED_WHILE_RUNNING\)/);
    expect(cancelled.stderr).toMatch(/^CANCELLED \(1\)/m);
  });

  it('cancel and delete: one line per operation; the exit code is the first failure’s', async () => {
    const running = (await t.grpc.start('demo.sleep', { seconds: 600 })).name;
    const purge = (await t.grpc.start('test.irreversible', {})).name;
    const [one, several] = await Promise.all([lro('cancel', running), lro('cancel', purge, MISSING, '--json')]);
    expect(one.code).toBe(0);
    expect(one.stdout.trim()).toBe(`${running}  cancelled`);
    expect(several.code).toBe(22);
    expect(JSON.parse(several.stdout)).toEqual([
      expect.objectContaining({ name: purge, ok: false, code: 12, reason: 'CANCELLATION_NOT_SUPPORTED' }),
      expect.objectContaining({ name: MISSING, ok: false, code: 5 }),
    ]);

    await untilDone(t.grpc, running);
    const [deleted, notDone] = await Promise.all([lro('delete', running, MISSING), lro('delete', purge)]);
    expect(deleted.code).toBe(15);
    expect(deleted.stdout).toMatch(new RegExp(`^${running}  deleted$`, 'm'));
    expect(deleted.stdout).toMatch(/NOT_FOUND OPERATION_NOT_FOUND/);
    expect(notDone.code).toBe(19);
    expect(notDone.stdout).toMatch(/FAILED_PRECONDITION OPERATION_NOT_DONE/);
  });

  it('sends LRO_TOKEN (or --token) as authorization: Bearer', async () => {
    const seen: Array<string | undefined> = [];
    const standIn = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"kinds":[]}');
    });
    await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', resolve));
    const server = `http://127.0.0.1:${(standIn.address() as AddressInfo).port}`;
    try {
      const [fromEnv, fromFlag] = await Promise.all([
        runLro(['kinds', '--json'], { LRO_SERVER: server, LRO_TOKEN: 'from-env' }),
        runLro(['kinds', '--token', 'from-flag', '--server', server]),
      ]);
      expect([fromEnv.code, fromFlag.code]).toEqual([0, 0]);
      expect(seen.sort()).toEqual(['Bearer from-env', 'Bearer from-flag']);
    } finally {
      await new Promise<void>((resolve) => standIn.close(() => resolve()));
    }
  });

  it('an unreachable server: UNAVAILABLE naming the address, exit 24, no stack trace', async () => {
    const probe = await startTestServer();
    const { http } = probe;
    await probe.close();
    const run = await runLro(['kinds'], { LRO_SERVER: http });
    expect(run.code).toBe(24);
    expect(run.stderr).toMatch(new RegExp(`UNAVAILABLE: ${http} is unavailable after \\d+ attempts`));
    noStackTrace(run);
  });
});

describe('lro cancel --filter', () => {
  it('cancels every match, one line each', async () => {
    const label = `filter-${Date.now()}`;
    const a = await runLro(['start', 'demo.sleep', '--input', '{"seconds":600}', '--label', `batch=${label}`], { LRO_SERVER: t.http });
    const run = await runLro(['cancel', '--filter', `metadata.labels.batch = "${label}"`], { LRO_SERVER: t.http });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.trim()).toBe(`${a.stdout.trim()}  cancelled`);
  });
});
