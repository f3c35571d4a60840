// Temporal: the CLI's dev server with a SQLite file under stateDir, every listener on 127.0.0.1.
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { localPorts } from '../endpoints.ts';
import { temporalCliPath } from '../install/paths.ts';
import { installTemporalCli } from '../install/temporal-cli.ts';
import type { Service } from './service.ts';
import { applyRetention } from './temporal-retention.ts';
import { temporalUi, temporalUiArgs } from './temporal-ui.ts';

/**
 * Custom search attributes the identity workflow upserts (workflows/identity/definitions.ts), so
 * `nhi identities --min-risk N` is one visibility query. Registered at dev-server start and, for a server
 * started before they were added, by `ready` through the operator API.
 */
export const SEARCH_ATTRIBUTES = { NhiRiskScore: 'Int', NhiIdentityType: 'Keyword' } as const;
/**
 * Dynamic config the local Temporal runs with (and the scale-path bench's server, so the two compare like for like).
 * Task priority (urgent enforcement ahead of bulk assessment: workflows/priority.ts) needs the priority matcher;
 * said explicitly so the stack does not depend on the server version's default.
 */
export const DYNAMIC_CONFIG = { 'matching.useNewMatcher': true } as const;

// The operator API's IndexedValueType numbers (temporal.api.enums.v1).
const INDEXED_VALUE_TYPE = { Keyword: 2, Int: 3 } as const;

export async function registerSearchAttributes(port: number, log: (line: string) => void): Promise<void> {
  const connection = await Connection.connect({ address: `127.0.0.1:${port}`, connectTimeout: 5_000 });
  try {
    const namespace = 'default';
    const listed = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = Object.entries(SEARCH_ATTRIBUTES).filter(([name]) => !listed.customAttributes?.[name]);
    if (missing.length === 0) return;
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, INDEXED_VALUE_TYPE[type]])),
    });
    log(`temporal: registered search attributes ${missing.map(([n, t]) => `${n} (${t})`).join(', ')}`);
  } finally {
    await connection.close();
  }
}

export function temporalService(): Service {
  const port = localPorts().temporal;
  const ui = temporalUi();
  const db = (dir: string) => join(dir, 'temporal.db');
  return {
    name: 'temporal',
    port,
    // HTTP API and metrics ports are picked free by the server itself, on --ip, so only this one can clash.
    ports: [
      { port, env: 'NHI_TEMPORAL_PORT' },
      ...(ui ? [{ port: ui.port, env: 'NHI_TEMPORAL_UI_PORT' }] : []),
    ],
    startTimeoutMs: 60_000,
    install: installTemporalCli,
    requireTools: () => {},
    process: (dir) => ({
      service: 'temporal',
      command: temporalCliPath(),
      args: [
        'server',
        'start-dev',
        ...temporalUiArgs(ui),
        '--ip',
        '127.0.0.1',
        '--port',
        String(port),
        '--db-filename',
        db(dir),
        // WAL with synchronous=normal: measured 2.2x the signal rate of SQLite's defaults (rollback journal,
        // synchronous=full); a power loss may lose the last transactions, a process crash loses nothing.
        '--sqlite-pragma',
        'journal_mode=wal',
        '--sqlite-pragma',
        'synchronous=normal',
        ...Object.entries(DYNAMIC_CONFIG).flatMap(([key, value]) => [
          '--dynamic-config-value',
          `${key}=${JSON.stringify(value)}`,
        ]),
        '--log-level',
        'warn',
        ...Object.entries(SEARCH_ATTRIBUTES).flatMap(([name, type]) => [
          '--search-attribute',
          `${name}=${type}`,
        ]),
      ],
      expect: ['start-dev', db(dir)],
    }),
    ready: async (_dir, _fresh, log) => {
      await registerSearchAttributes(port, log);
      await applyRetention(port, log);
    },
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
