/** One yes/no question on the terminal; anything but y/yes is no, and so is a Ctrl-C or an abort. */
import { createInterface } from 'node:readline';

export async function askYesNo(question: string, input: NodeJS.ReadableStream, output: NodeJS.WritableStream, signal: AbortSignal): Promise<boolean> {
  const rl = createInterface({ input, output, terminal: true });
  try {
    return await new Promise<boolean>((resolve) => {
      // readline puts the terminal in raw mode, so Ctrl-C arrives here and not as a signal.
      rl.on('SIGINT', () => {
        output.write('\n');
        resolve(false);
      });
      rl.on('close', () => resolve(false));
      signal.addEventListener('abort', () => resolve(false), { once: true });
      rl.question(question, (answer) => resolve(/^\s*y(es)?\s*$/i.test(answer)));
    });
  } finally {
    rl.close();
  }
}
