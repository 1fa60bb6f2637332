/**
 * `lro wait` and `lro start --wait` in a real pseudo-terminal (tmux): the live progress bar, and Ctrl-C asking
 * "Cancel the operation? [y/N]" — y cancels and waits for the end (exit 11), anything else only stops waiting
 * (exit 130, the operation goes on); `--cancel-on-interrupt` cancels without asking.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { REPO_ROOT } from '../helpers/child-server.js';
import { metadataOf } from '../helpers/grpc-client.js';
import { untilDone, untilRunning } from '../helpers/operations.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { LRO_SOURCE } from './run-lro.js';
import { openTerminal, tmuxAvailable, type Terminal } from './tmux-terminal.js';

vi.setConfig({ testTimeout: 180_000 });

const hasTmux = await tmuxAvailable();

let t: TestServer;
let term: Terminal;

beforeAll(async () => {
  if (!hasTmux) return;
  t = await startTestServer();
  term = await openTerminal(REPO_ROOT);
});
afterAll(async () => {
  await term?.close();
  await t?.close();
});

let runs = 0;
/** Runs `lro …` in the terminal; the returned marker tags this run's exit line. */
async function lroInTerminal(args: string): Promise<string> {
  const marker = `EXIT${++runs}`;
  await term.enter(`clear; node --import tsx ${LRO_SOURCE} --server ${t.http} ${args}; echo "${marker}=$?"`);
  return marker;
}

const BAR = /\[[█░]{30}\] \d+% RUNNING/;

describe.skipIf(!hasTmux)('lro in a terminal', () => {
  it('shows a live bar; Ctrl-C asks, and y cancels the operation and waits for its end (exit 11)', async () => {
    const op = await t.grpc.start('demo.sleep', { seconds: 600, steps: 600 });
    const marker = await lroInTerminal(`wait ${op.name}`);
    await term.waitFor(new RegExp(`${op.name} ${BAR.source}`));
    await term.keys('C-c');
    await term.waitFor(/Cancel the operation\? \[y\/N\] $/m);
    await term.enter('y');
    await term.waitFor(new RegExp(`${marker}=11`));
    const screen = await term.screen();
    expect(screen).toMatch(/CANCELLED \(CANCELLED_WHILE_RUNNING\)/);
    expect(metadataOf(await untilDone(t.grpc, op.name)).state).toBe('CANCELLED');
  });

  it('anything but y only stops waiting (exit 130); the operation goes on', async () => {
    const op = await t.grpc.start('demo.sleep', { seconds: 600, steps: 600 });
    await untilRunning(t.grpc, op.name);
    const marker = await lroInTerminal(`wait ${op.name}`);
    await term.waitFor(BAR);
    await term.keys('C-c');
    await term.waitFor(/Cancel the operation\? \[y\/N\] $/m);
    await term.enter('n');
    await term.waitFor(new RegExp(`${marker}=130`));
    expect(await term.screen()).toMatch(/stopped waiting; operations\/\S+ goes on/);
    const still = await t.grpc.getOperation({ name: op.name });
    expect(still.done).toBe(false);
    expect(metadataOf(still).requestedCancellation).toBe(false);
    await t.grpc.cancelOperation({ name: op.name });
  });

  it('a second Ctrl-C at the question counts as no', async () => {
    const op = await t.grpc.start('demo.sleep', { seconds: 600, steps: 600 });
    const marker = await lroInTerminal(`wait ${op.name}`);
    await term.waitFor(BAR);
    await term.keys('C-c');
    await term.waitFor(/Cancel the operation\? \[y\/N\] $/m);
    await term.keys('C-c');
    await term.waitFor(new RegExp(`${marker}=130`));
    expect((await t.grpc.getOperation({ name: op.name })).done).toBe(false);
    await t.grpc.cancelOperation({ name: op.name });
  });

  it('start --wait --cancel-on-interrupt: Ctrl-C cancels without asking (exit 11)', async () => {
    const marker = await lroInTerminal(`start demo.sleep --input '{"seconds":600,"steps":600}' --wait --cancel-on-interrupt`);
    const [, name] = await term.waitFor(/started (operations\/\S+)/);
    await term.waitFor(BAR);
    await term.keys('C-c');
    await term.waitFor(new RegExp(`${marker}=11`));
    const screen = await term.screen();
    expect(screen).not.toMatch(/Cancel the operation\?/);
    expect(screen).toMatch(/cancelling operations\//);
    expect(metadataOf(await untilDone(t.grpc, name!)).state).toBe('CANCELLED');
  });

  it('the bar follows the operation to its end (exit 0)', async () => {
    const marker = await lroInTerminal(`start demo.sleep --input '{"seconds":1,"steps":4}' --wait`);
    await term.waitFor(new RegExp(`${marker}=0`));
    const screen = await term.screen();
    expect(screen).toMatch(/\[█{30}\] 100% SUCCEEDED/);
    expect(screen).toMatch(/operations\/\S+ {2}SUCCEEDED {2}\{"slept":/);
  });
});
