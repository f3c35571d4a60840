// Start a service detached (it outlives `nhi stack up`) and stop it again by its recorded pid only.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, renameSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { logFilePath, ownedPid, processArgv, removePidFile, writePidFile } from './pidfile.ts';

export interface ProcessSpec {
  service: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  /** Arguments that identify our process in /proc/<pid>/cmdline (see argvMatches). */
  expect: string[];
}

/** Logs are appended across restarts (an earlier crash stays readable) but kept to two files. */
const maxLogBytes = 20 * 1024 * 1024;

export function startDetached(dir: string, spec: ProcessSpec): number {
  mkdirSync(dir, { recursive: true });
  const logFile = logFilePath(dir, spec.service);
  if (existsSync(logFile) && statSync(logFile).size > maxLogBytes) renameSync(logFile, `${logFile}.1`);
  const log = openSync(logFile, 'a');
  try {
    const child = spawn(spec.command, spec.args, {
      cwd: dir,
      env: spec.env ?? process.env,
      detached: true, // own process group: Ctrl-C on `nhi stack up` does not take the stack down
      stdio: ['ignore', log, log],
    });
    if (child.pid === undefined) throw new Error(`could not start ${spec.command}`);
    child.unref();
    writePidFile(dir, spec.service, child.pid);
    return child.pid;
  } finally {
    closeSync(log);
  }
}

export type StopResult = 'stopped' | 'killed' | 'not-running';

/** SIGTERM, then SIGKILL after timeoutMs; never touches a pid whose cmdline no longer matches. */
export async function stopOwned(dir: string, spec: ProcessSpec, timeoutMs = 20_000): Promise<StopResult> {
  const pid = ownedPid(dir, spec.service, spec.expect);
  if (pid === undefined) {
    removePidFile(dir, spec.service);
    return 'not-running';
  }
  const gone = async (until: number) => {
    while (Date.now() < until) {
      if (processArgv(pid) === undefined) return true;
      await sleep(100);
    }
    return processArgv(pid) === undefined;
  };
  process.kill(pid, 'SIGTERM');
  let result: StopResult = 'stopped';
  if (!(await gone(Date.now() + timeoutMs))) {
    process.kill(pid, 'SIGKILL');
    result = 'killed';
    await gone(Date.now() + 5_000);
  }
  removePidFile(dir, spec.service);
  return result;
}
