// Temporal: the CLI's dev server with a SQLite file under stateDir, every listener on 127.0.0.1.
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { localPorts } from '../endpoints.ts';
import { temporalCliPath } from '../install/paths.ts';
import { installTemporalCli } from '../install/temporal-cli.ts';
import type { Service } from './service.ts';

export function temporalService(): Service {
  const port = localPorts().temporal;
  const db = (dir: string) => join(dir, 'temporal.db');
  return {
    name: 'temporal',
    port,
    // HTTP API and metrics ports are picked free by the server itself, on --ip, so only this one can clash.
    ports: [{ port, env: 'NHI_TEMPORAL_PORT' }],
    startTimeoutMs: 60_000,
    install: installTemporalCli,
    requireTools: () => {},
    process: (dir) => ({
      service: 'temporal',
      command: temporalCliPath(),
      args: [
        'server',
        'start-dev',
        '--headless',
        '--ip',
        '127.0.0.1',
        '--port',
        String(port),
        '--db-filename',
        db(dir),
        '--log-level',
        'warn',
      ],
      expect: ['start-dev', db(dir)],
    }),
    probe: async () => {
      let connection: Connection | undefined;
      try {
        connection = await Connection.connect({ address: `127.0.0.1:${port}`, connectTimeout: 1_000 });
        const deadline = Date.now() + 2_000;
        await connection.withDeadline(deadline, () =>
          connection!.workflowService.describeNamespace({ namespace: 'default' }),
        );
        return true;
      } catch {
        return false;
      } finally {
        await connection?.close().catch(() => {});
      }
    },
  };
}
