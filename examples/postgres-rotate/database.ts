// The example's side of PostgreSQL (the server itself: infra/services/postgres.ts): the admin credential from its
// URL, statements run as the admin, and a login check that says only whether a role's password works.
import { loadPg } from '../../infra/install/embedded-postgres.ts';
import type { PostgresAdmin } from '../../infra/services/postgres.ts';

export type { PostgresAdmin };

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
