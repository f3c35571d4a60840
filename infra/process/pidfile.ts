// Pid files of the processes `nhi stack up` started, and the checks that a recorded pid is still ours.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const pidFilePath = (dir: string, service: string) => join(dir, `${service}.pid`);
export const logFilePath = (dir: string, service: string) => join(dir, `${service}.log`);

export function writePidFile(dir: string, service: string, pid: number): void {
  writeFileSync(pidFilePath(dir, service), `${pid}\n`);
}

export function readPidFile(dir: string, service: string): number | undefined {
  const file = pidFilePath(dir, service);
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

export function removePidFile(dir: string, service: string): void {
  rmSync(pidFilePath(dir, service), { force: true });
}

/** argv of a live process, or undefined when it is gone or a zombie (exited, not yet reaped). */
export function processArgv(pid: number, proc = '/proc'): string[] | undefined {
  try {
    const stat = readFileSync(join(proc, String(pid), 'stat'), 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return undefined;
    const argv = readFileSync(join(proc, String(pid), 'cmdline'), 'utf8').split('\0');
    if (argv.at(-1) === '') argv.pop();
    return argv.length > 0 ? argv : undefined;
  } catch {
    return undefined;
  }
}

/** A recorded pid counts as ours only if its argv still holds every expected argument (pids get reused). */
export function argvMatches(argv: string[] | undefined, expected: string[]): boolean {
  return argv !== undefined && expected.every((arg) => argv.includes(arg));
}

/** The pid from the pid file if that process is alive and is still the one we started. */
export function ownedPid(
  dir: string,
  service: string,
  expected: string[],
  proc = '/proc',
): number | undefined {
  const pid = readPidFile(dir, service);
  if (pid === undefined) return undefined;
  return argvMatches(processArgv(pid, proc), expected) ? pid : undefined;
}
