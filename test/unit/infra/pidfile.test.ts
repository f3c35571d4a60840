import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  argvMatches,
  ownedPid,
  pidFilePath,
  processArgv,
  readPidFile,
  removePidFile,
  writePidFile,
} from '../../../infra/process/pidfile.ts';
import { startDetached, stopOwned } from '../../../infra/process/supervise.ts';

const dir = () => mkdtempSync(join(tmpdir(), 'nhi-pid-'));
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A fake /proc entry, to exercise pid reuse and zombies without real processes. */
function fakeProc(pid: number, argv: string[], state = 'S'): string {
  const proc = dir();
  mkdirSync(join(proc, String(pid)));
  writeFileSync(join(proc, String(pid), 'cmdline'), `${argv.join('\0')}\0`);
  writeFileSync(join(proc, String(pid), 'stat'), `${pid} (some (odd) name) ${state} 1 2 3`);
  return proc;
}

describe('pid files', () => {
  it('round-trips a pid and ignores garbage', () => {
    const d = dir();
    expect(readPidFile(d, 'kafka')).toBeUndefined();
    writePidFile(d, 'kafka', 4242);
    expect(readPidFile(d, 'kafka')).toBe(4242);
    writeFileSync(pidFilePath(d, 'kafka'), 'not a pid');
    expect(readPidFile(d, 'kafka')).toBeUndefined();
    removePidFile(d, 'kafka');
    expect(readPidFile(d, 'kafka')).toBeUndefined();
  });

  it('reads argv of a live process and treats zombies as gone', () => {
    expect(processArgv(process.pid)).toEqual(expect.arrayContaining([process.argv0]));
    expect(processArgv(77, fakeProc(77, ['java', '-cp', 'x', 'kafka.Kafka']))).toEqual([
      'java',
      '-cp',
      'x',
      'kafka.Kafka',
    ]);
    expect(processArgv(77, fakeProc(77, ['java'], 'Z'))).toBeUndefined();
    expect(processArgv(99_999_999)).toBeUndefined();
  });

  it('owns a pid only while its cmdline still matches (pid reuse)', () => {
    const d = dir();
    writePidFile(d, 'kafka', 77);
    const ours = fakeProc(77, ['java', '-cp', 'x', 'kafka.Kafka', '/s/kafka/server.properties']);
    expect(ownedPid(d, 'kafka', ['kafka.Kafka', '/s/kafka/server.properties'], ours)).toBe(77);
    const reused = fakeProc(77, ['bash', '-l']);
    expect(ownedPid(d, 'kafka', ['kafka.Kafka', '/s/kafka/server.properties'], reused)).toBeUndefined();
    expect(
      argvMatches(
        ['java', 'kafka.Kafka', '/other/server.properties'],
        ['kafka.Kafka', '/s/kafka/server.properties'],
      ),
    ).toBe(false);
  });
});

describe('supervision', () => {
  it('starts detached with a pid file and log, and stops by pid', async () => {
    const d = dir();
    const spec = { service: 'sleeper', command: 'sleep', args: ['31'], expect: ['sleep', '31'] };
    const pid = startDetached(d, spec);
    cleanups.push(() => processArgv(pid) && process.kill(pid, 'SIGKILL'));
    expect(readPidFile(d, 'sleeper')).toBe(pid);
    expect(ownedPid(d, 'sleeper', spec.expect)).toBe(pid);
    expect(await stopOwned(d, spec, 5_000)).toBe('stopped');
    expect(processArgv(pid)).toBeUndefined();
    expect(readPidFile(d, 'sleeper')).toBeUndefined();
    expect(await stopOwned(d, spec)).toBe('not-running');
  });

  it('rotates an oversized log before starting', async () => {
    const d = dir();
    const log = join(d, 'sleeper.log');
    writeFileSync(log, '');
    truncateSync(log, 21 * 1024 * 1024); // sparse: no real 21 MB written
    const spec = { service: 'sleeper', command: 'sleep', args: ['34'], expect: ['sleep', '34'] };
    const pid = startDetached(d, spec);
    cleanups.push(() => processArgv(pid) && process.kill(pid, 'SIGKILL'));
    expect(existsSync(`${log}.1`)).toBe(true);
    expect(statSync(log).size).toBe(0);
    await stopOwned(d, spec, 5_000);
  });

  it('never signals a recorded pid whose cmdline is not what it started', async () => {
    const d = dir();
    const stranger = spawn('sleep', ['32'], { stdio: 'ignore' });
    const pid = stranger.pid!;
    cleanups.push(() => stranger.kill('SIGKILL'));
    writePidFile(d, 'kafka', pid);
    const spec = { service: 'kafka', command: 'java', args: [], expect: ['kafka.Kafka'] };
    expect(await stopOwned(d, spec, 1_000)).toBe('not-running');
    expect(processArgv(pid)).toEqual(['sleep', '32']);
  });

  it('escalates to SIGKILL when SIGTERM is ignored', async () => {
    const d = dir();
    const ready = join(d, 'stubborn.ready');
    const spec = {
      service: 'stubborn',
      command: process.execPath,
      // Says when its SIGTERM handler is in place: a fixed sleep was too short on a loaded machine, and a SIGTERM
      // that arrives first simply stops it.
      args: [
        '-e',
        "process.on('SIGTERM', () => {}); require('node:fs').writeFileSync(process.argv[1], ''); setInterval(() => {}, 1000)",
        ready,
        'stubborn-33',
      ],
      expect: ['stubborn-33'],
    };
    const pid = startDetached(d, spec);
    cleanups.push(() => processArgv(pid) && process.kill(pid, 'SIGKILL'));
    for (const deadline = Date.now() + 30_000; !existsSync(ready); ) {
      if (Date.now() > deadline) throw new Error('the stubborn process never became ready');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await stopOwned(d, spec, 500)).toBe('killed');
    expect(processArgv(pid)).toBeUndefined();
  });
});
