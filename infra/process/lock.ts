// One `nhi stack up|down` at a time per state dir: two concurrent ups would race for the same ports.
// A second caller waits (then typically finds the stack up and reuses it) instead of failing.
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { processArgv } from './pidfile.ts';

export class LockBusyError extends Error {
  constructor(readonly holder: number) {
    super(`another nhi stack command (pid ${holder}) is still running`);
  }
}

function tryLock(file: string): number | undefined {
  try {
    const fd = openSync(file, 'wx');
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const holder = Number(readFileSync(file, 'utf8'));
  if (Number.isInteger(holder) && holder > 0 && processArgv(holder)) return holder;
  rmSync(file, { force: true }); // left behind by a process that died: take it over
  return tryLock(file);
}

export async function withStateLock<T>(
  dir: string,
  fn: () => Promise<T>,
  { timeoutMs = 15 * 60_000, onWait = (_holder: number) => {} } = {},
): Promise<T> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'stack.lock');
  const deadline = Date.now() + timeoutMs;
  for (let holder = tryLock(file), told = false; holder !== undefined; holder = tryLock(file)) {
    if (Date.now() > deadline) throw new LockBusyError(holder);
    if (!told) onWait(holder);
    told = true;
    await sleep(250);
  }
  try {
    return await fn();
  } finally {
    rmSync(file, { force: true });
  }
}
