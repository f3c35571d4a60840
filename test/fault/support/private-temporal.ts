// A Temporal dev server of the test's own (own port, own SQLite file), started and stopped with the same infra
// code as the stack's, so an outage test never takes away the Temporal that other tests and colleagues share.
// Set NHI_FAULT_SHARED_TEMPORAL=1 to stop and restart the shared stack's Temporal instead (stackDown/stackUp).
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitHealthy } from '../../../infra/health.ts';
import { startDetached, stopOwned } from '../../../infra/process/supervise.ts';
import { temporalService } from '../../../infra/services/temporal.ts';
import { stackDown, stackStatus, stackUp } from '../../../infra/stack.ts';

export interface OutageTarget {
  /** Where clients must connect (also put in process.env for this test process). */
  address: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  healthy(): Promise<boolean>;
  dispose(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function outageTarget(log: (line: string) => void): Promise<OutageTarget> {
  if (process.env.NHI_FAULT_SHARED_TEMPORAL) {
    return {
      address: process.env.NHI_TEMPORAL_ADDRESS ?? '(stack default)',
      stop: async () => {
        const down = await stackDown({ only: ['temporal'], log });
        if (down.temporal === 'not-running') throw new Error('the stack has no Temporal of its own to stop');
      },
      start: async () => {
        await stackUp({ log });
      },
      healthy: async () => (await stackStatus()).services.temporal.healthy,
      dispose: async () => {
        if (!(await stackStatus()).services.temporal.healthy) await stackUp({ log });
      },
    };
  }
  const savedPort = process.env.NHI_TEMPORAL_PORT;
  const savedAddress = process.env.NHI_TEMPORAL_ADDRESS;
  const savedUi = process.env.NHI_TEMPORAL_UI_PORT;
  const dir = mkdtempSync(join(tmpdir(), 'nhi-outage-temporal-'));
  const port = await freePort();
  process.env.NHI_TEMPORAL_PORT = String(port);
  delete process.env.NHI_TEMPORAL_ADDRESS;
  // Headless: a UI port given for the shared stack (NHI_TEMPORAL_UI_PORT) would be taken twice.
  process.env.NHI_TEMPORAL_UI_PORT = 'off';
  const service = temporalService();
  const spec = service.process(dir);
  const start = async () => {
    const pid = startDetached(dir, spec);
    const ms = await waitHealthy(service, dir, pid);
    log(`private temporal: healthy on ${port} after ${ms} ms (db ${join(dir, 'temporal.db')})`);
  };
  await start();
  return {
    address: `127.0.0.1:${port}`,
    stop: async () => {
      log(`private temporal: ${await stopOwned(dir, spec)}`);
    },
    start,
    healthy: () => service.probe(),
    dispose: async () => {
      await stopOwned(dir, spec).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
      if (savedPort === undefined) delete process.env.NHI_TEMPORAL_PORT;
      else process.env.NHI_TEMPORAL_PORT = savedPort;
      if (savedAddress !== undefined) process.env.NHI_TEMPORAL_ADDRESS = savedAddress;
      if (savedUi === undefined) delete process.env.NHI_TEMPORAL_UI_PORT;
      else process.env.NHI_TEMPORAL_UI_PORT = savedUi;
    },
  };
}
