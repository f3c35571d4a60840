// The Temporal server binary (not the CLI's dev server): what a production cluster runs, with several history shards
// and PostgreSQL. Only the scale-path bench uses it (`nhi bench temporal-server`); the local stack keeps the dev
// server. Built with `go install` of the server module at the version the CLI's dev server embeds, into the tool
// cache (several minutes the first time; the Go build cache makes a rebuild quick). The SQL schema the server needs
// ships in the same module and is copied beside the binaries.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from '../endpoints.ts';
import { requireTool, run } from '../exec.ts';
import type { Log } from '../log.ts';
import { versions } from '../versions.ts';
import { installAtomically } from './atomic.ts';

const MODULE = 'go.temporal.io/server';

export const temporalServerHome = () => join(cacheDir(), `temporal-server-${versions.temporalServer}`);
export const temporalServerBinary = (home = temporalServerHome()) => join(home, 'bin', 'temporal-server');
export const temporalSqlTool = (home = temporalServerHome()) => join(home, 'bin', 'temporal-sql-tool');
/** Versioned PostgreSQL schema directories: `temporal` (the store) and `visibility`. */
export const postgresSchemaDir = (which: 'temporal' | 'visibility', home = temporalServerHome()) =>
  join(home, 'schema', 'postgresql', 'v12', which, 'versioned');

function installed(dir: string): boolean {
  return (
    existsSync(temporalServerBinary(dir)) &&
    existsSync(temporalSqlTool(dir)) &&
    existsSync(postgresSchemaDir('temporal', dir)) &&
    existsSync(postgresSchemaDir('visibility', dir))
  );
}

export async function installTemporalServer(log: Log = () => {}): Promise<string> {
  const target = temporalServerHome();
  const version = `v${versions.temporalServer}`;
  await installAtomically({
    service: 'temporal-server',
    target,
    isComplete: installed,
    log,
    fix: `check that the Go module proxy serves ${MODULE}@${version} (go env GOPROXY)`,
    build: async (tmp) => {
      requireTool('temporal-server', 'go', 'install Go 1.24 or newer');
      log(`temporal-server: go install ${MODULE} ${version} (first run only, several minutes)`);
      const bin = join(tmp, 'bin');
      await run('go', ['install', `${MODULE}/cmd/server@${version}`, `${MODULE}/cmd/tools/sql@${version}`], {
        env: { ...process.env, GOBIN: bin },
      });
      renameSync(join(bin, 'server'), temporalServerBinary(tmp));
      renameSync(join(bin, 'sql'), temporalSqlTool(tmp));
      const modules = execFileSync('go', ['env', 'GOMODCACHE']).toString().trim();
      cpSync(
        join(modules, `${MODULE}@${version}`, 'schema', 'postgresql'),
        join(tmp, 'schema', 'postgresql'),
        {
          recursive: true,
        },
      );
    },
  });
  return target;
}
