import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LockBusyError, withStateLock } from '../../../infra/process/lock.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'nhi-lock-'));

describe('state lock', () => {
  it('runs concurrent callers one after the other', async () => {
    const d = dir();
    const events: string[] = [];
    const job = (name: string) =>
      withStateLock(d, async () => {
        events.push(`${name} in`);
        await new Promise((r) => setTimeout(r, 50));
        events.push(`${name} out`);
      });
    await Promise.all([job('a'), job('b')]);
    expect(events).toEqual(['a in', 'a out', 'b in', 'b out']);
  });

  it('takes over a lock left by a process that is gone', async () => {
    const d = dir();
    writeFileSync(join(d, 'stack.lock'), '99999999');
    expect(await withStateLock(d, async () => 'ran')).toBe('ran');
  });

  it('gives up after its timeout while a live process holds the lock', async () => {
    const d = dir();
    const holder = spawn('sleep', ['5'], { stdio: 'ignore' });
    try {
      writeFileSync(join(d, 'stack.lock'), String(holder.pid));
      const waited: number[] = [];
      const attempt = withStateLock(d, async () => 'ran', {
        timeoutMs: 300,
        onWait: (pid) => waited.push(pid),
      });
      await expect(attempt).rejects.toBeInstanceOf(LockBusyError);
      expect(waited).toEqual([holder.pid]);
    } finally {
      holder.kill('SIGKILL');
    }
  });
});
