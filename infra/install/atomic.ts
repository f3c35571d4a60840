// Version-keyed installs that are either complete or absent: build beside the target, rename when done.
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { StackError } from '../errors.ts';
import type { Log } from '../log.ts';

export interface AtomicInstall {
  service: string;
  /** Final directory, keyed by version (e.g. ~/.cache/nhi-enforce/kafka-4.1.1). */
  target: string;
  /** True when `dir` holds a finished install (checked on the target, and on the build before renaming). */
  isComplete: (dir: string) => boolean;
  /** Fill `tmp` (an empty directory on the same filesystem as target). */
  build: (tmp: string, log: Log) => Promise<void>;
  /** What to check when the build fails (network, registry). */
  fix: string;
  log: Log;
}

export type InstallDecision = 'reuse' | 'build';

export function installDecision(target: string, isComplete: (dir: string) => boolean): InstallDecision {
  return existsSync(target) && isComplete(target) ? 'reuse' : 'build';
}

/** Returns how long the build took in ms, or 0 when the cached install was reused. */
export async function installAtomically(spec: AtomicInstall): Promise<number> {
  const { service, target, isComplete, log } = spec;
  if (installDecision(target, isComplete) === 'reuse') return 0;
  const started = Date.now();
  mkdirSync(dirname(target), { recursive: true });
  const tmp = `${target}.partial-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  try {
    try {
      await spec.build(tmp, log);
    } catch (error) {
      if (error instanceof StackError) throw error;
      throw new StackError(service, `install failed: ${(error as Error).message}`, spec.fix);
    }
    if (!isComplete(tmp))
      throw new StackError(service, `install in ${tmp} finished but is incomplete`, spec.fix);
    // A leftover incomplete target (interrupted older layout) is replaced; a complete one that
    // appeared meanwhile (a concurrent install won the race) is kept.
    if (existsSync(target)) {
      if (isComplete(target)) return Date.now() - started;
      rmSync(target, { recursive: true, force: true });
    }
    renameSync(tmp, target);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const ms = Date.now() - started;
  log(`${service}: installed into ${target} in ${(ms / 1000).toFixed(1)}s`);
  return ms;
}
