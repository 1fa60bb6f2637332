/**
 * A real pseudo-terminal for tests: a detached tmux session (its own server socket) running an interactive
 * bash, so a command runs in the terminal's foreground process group and Ctrl-C reaches it as a user's would.
 * The test types keys and polls the screen with a deadline.
 *
 * Without tmux, the tests that need it are skipped with a loud warning — except with CI=true, where that is
 * a failure (CI installs tmux).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { eventually } from '../helpers/eventually.js';
import { cleanEnv } from './run-lro.js';

const run = promisify(execFile);

let availability: Promise<boolean> | undefined;

export function tmuxAvailable(): Promise<boolean> {
  availability ??= run('tmux', ['-V']).then(
    () => true,
    (err: Error) => {
      const message = `tmux is not installed (${err.message.split('\n')[0]}); the interactive \`lro\` tests need it`;
      if (process.env.CI === 'true') throw new Error(`${message}. CI=true: they must run, so this is a failure.`);
      console.warn(`\n${'!'.repeat(78)}\n!! SKIPPING: ${message}.\n!! apt-get install -y tmux\n${'!'.repeat(78)}\n`);
      return false;
    },
  );
  return availability;
}

export interface Terminal {
  /** Types text and presses Enter. */
  enter(text: string): Promise<void>;
  /** Sends keys by tmux name, e.g. `C-c`. */
  keys(...keys: string[]): Promise<void>;
  /** The visible screen, wrapped lines joined. */
  screen(): Promise<string>;
  /** Polls the screen until it matches; returns the match. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  close(): Promise<void>;
}

export async function openTerminal(cwd: string): Promise<Terminal> {
  const socket = `lro-test-${process.pid}-${randomBytes(4).toString('hex')}`;
  const env = cleanEnv({ TERM: 'xterm-256color', PS1: '$ ' });
  const tmux = (...args: string[]) => run('tmux', ['-L', socket, ...args], { cwd, env });
  await tmux('new-session', '-d', '-s', 'main', '-x', '200', '-y', '50', 'bash --norc --noprofile');
  const screen = async () => (await tmux('capture-pane', '-t', 'main', '-p', '-J')).stdout;
  return {
    async enter(text) {
      await tmux('send-keys', '-t', 'main', '-l', text);
      await tmux('send-keys', '-t', 'main', 'Enter');
    },
    async keys(...keys) {
      await tmux('send-keys', '-t', 'main', ...keys);
    },
    screen,
    async waitFor(pattern, timeoutMs = 60_000) {
      let last = '';
      try {
        return await eventually(
          async () => {
            last = await screen();
            return last.match(pattern) ?? undefined;
          },
          { timeoutMs, intervalMs: 100 },
        );
      } catch {
        throw new Error(`the terminal never showed ${pattern}; its screen:\n${last}`);
      }
    },
    async close() {
      await tmux('kill-server').catch(() => {});
    },
  };
}
