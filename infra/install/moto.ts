// moto (AWS emulator: IAM, STS, Secrets Manager) in its own Python venv.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool, run } from '../exec.ts';
import type { Log } from '../log.ts';
import { versions } from '../versions.ts';
import { installAtomically } from './atomic.ts';
import { motoHome } from './paths.ts';

export function motoInstalled(dir: string): boolean {
  return existsSync(join(dir, 'venv', 'bin', 'python')) && existsSync(join(dir, 'installed.txt'));
}

export async function installMoto(log: Log): Promise<number> {
  return installAtomically({
    service: 'moto',
    target: motoHome(),
    isComplete: motoInstalled,
    log,
    fix: 'check that PyPI is reachable (pip config list)',
    build: async (tmp) => {
      requireTool('moto', 'python3', 'install Python 3.9 or newer (with the venv module)');
      log(`moto: installing moto[server]==${versions.moto} into a venv (first run only)`);
      const venv = join(tmp, 'venv');
      await run('python3', ['-m', 'venv', venv]);
      const python = join(venv, 'bin', 'python');
      await run(python, ['-m', 'pip', 'install', '--quiet', `moto[server]==${versions.moto}`]);
      // Written last: its presence is what makes the install count as complete.
      const marker = 'import moto, pathlib, sys; pathlib.Path(sys.argv[1]).write_text(moto.__version__)';
      await run(python, ['-c', marker, join(tmp, 'installed.txt')]);
    },
  });
}
