// Temporal CLI (dev server) built from source with `go install`; only tags up to v1.5.1 allow that.
import { execFileSync } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findOnPath, requireTool, run } from '../exec.ts';
import type { Log } from '../log.ts';
import { versions } from '../versions.ts';
import { installAtomically } from './atomic.ts';
import { temporalCliDir } from './paths.ts';

const goPackage = 'github.com/temporalio/cli/cmd/temporal';

export function temporalCliInstalled(dir: string): boolean {
  return existsSync(join(dir, 'temporal'));
}

/** True when the binary starts and reports a version (a half-copied file does not). */
function runs(binary: string): boolean {
  try {
    return execFileSync(binary, ['--version'], { timeout: 30_000 }).toString().startsWith('temporal version');
  } catch {
    return false;
  }
}

/** A `go install` of the CLI already running (e.g. started by hand into bin.partial): detect only. */
function goInstallRunning(): boolean {
  if (!findOnPath('pgrep')) return false;
  try {
    execFileSync('pgrep', ['-f', `go install ${goPackage}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false; // pgrep exits 1 when nothing matches
  }
}

export async function installTemporalCli(log: Log): Promise<number> {
  return installAtomically({
    service: 'temporal',
    target: temporalCliDir(),
    isComplete: temporalCliInstalled,
    log,
    fix: 'check that the Go module proxy is reachable (go env GOPROXY)',
    build: async (tmp) => {
      // Two concurrent builds would just compete for 2 cores; wait for the other one and reuse it.
      if (goInstallRunning())
        log('temporal: a go install of the Temporal CLI is already running — waiting for it');
      while (goInstallRunning()) await sleep(5_000);
      const leftoverDir = `${temporalCliDir()}.partial`;
      const leftover = join(leftoverDir, 'temporal');
      if (existsSync(leftover) && runs(leftover)) {
        log(`temporal: reusing the binary already built into ${leftover}`);
        renameSync(leftover, join(tmp, 'temporal'));
        rmSync(leftoverDir, { recursive: true, force: true });
        return;
      }
      requireTool('temporal', 'go', 'install Go 1.24 or newer');
      log(
        `temporal: building Temporal CLI v${versions.temporalCli} with go install (first run only, several minutes)`,
      );
      await run('go', ['install', `${goPackage}@v${versions.temporalCli}`], {
        env: { ...process.env, GOBIN: tmp },
      });
    },
  });
}
