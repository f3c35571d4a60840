// Ask the reviewer to confirm on the terminal; `--yes` skips it. Without an answer (stdin closed) it is a no.
import { createInterface } from 'node:readline';

export async function confirm(question: string, err: (line: string) => void): Promise<boolean> {
  err(question);
  const rl = createInterface({ input: process.stdin, terminal: false });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.once('line', resolve);
      rl.once('close', () => resolve(''));
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
