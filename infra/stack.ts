// The local stack as one unit: stackUp / stackDown / stackStatus, used by `nhi stack`, tests and `nhi demo`.
import { mkdirSync, rmSync } from 'node:fs';
import { cacheDir, stateDir } from './endpoints.ts';
import { StackError } from './errors.ts';
import { waitHealthy } from './health.ts';
import { type Log, silent } from './log.ts';
import { portInUse } from './ports.ts';
import { LockBusyError, withStateLock } from './process/lock.ts';
import { logFilePath, ownedPid } from './process/pidfile.ts';
import { type StopResult, startDetached, stopOwned } from './process/supervise.ts';
import { kafkaService } from './services/kafka.ts';
import { motoService } from './services/moto.ts';
import { adminCredentialsPath } from './services/moto-admin.ts';
import type { Service, ServiceName } from './services/service.ts';
import { temporalService } from './services/temporal.ts';

export { StackError } from './errors.ts';
export type { ServiceName } from './services/service.ts';

export interface ServiceStatus {
  healthy: boolean;
  pid: number | null;
  port: number;
}

export interface StackStatus {
  services: Record<ServiceName, ServiceStatus>;
  stateDir: string;
  cacheDir: string;
}

export interface UpResult extends StackStatus {
  /** Services this call started (the rest were already running and were reused). */
  started: ServiceName[];
}

export const stackServices = (): Service[] => [kafkaService(), temporalService(), motoService()];

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

/** Run one service's step so that any failure names the service (kafkajs/AWS errors do not). */
async function step<T>(service: Service, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof StackError) throw error;
    const logFile = logFilePath(stateDir(), service.name);
    throw new StackError(service.name, `${what} failed: ${(error as Error).message}`, `see ${logFile}`);
  }
}

async function locked<T>(dir: string, log: Log, fn: () => Promise<T>): Promise<T> {
  const onWait = (holder: number) =>
    log(`stack: waiting for another nhi stack command (pid ${holder}) to finish`);
  try {
    return await withStateLock(dir, fn, { onWait });
  } catch (error) {
    if (error instanceof LockBusyError)
      throw new StackError('stack', error.message, 'wait for it or stop it');
    throw error;
  }
}

/** The port check comes before any install or start, so a clash fails fast with the variable to change. */
async function assertPortsFree(service: Service): Promise<void> {
  for (const { port, env } of service.ports) {
    if (await portInUse(port)) {
      throw new StackError(
        service.name,
        `port ${port} is already in use by another process`,
        `stop it or set ${env}`,
      );
    }
  }
}

export async function stackUp({ log = silent }: { log?: Log } = {}): Promise<UpResult> {
  const dir = stateDir();
  mkdirSync(dir, { recursive: true });
  return locked(dir, log, async () => {
    const services = stackServices();
    const running = new Map(services.map((s) => [s.name, ownedPid(dir, s.name, s.process(dir).expect)]));
    const toStart = services.filter((s) => running.get(s.name) === undefined);
    for (const service of toStart) await assertPortsFree(service);
    for (const service of toStart) {
      service.requireTools();
      await service.install(log);
    }
    const started: ServiceName[] = [];
    try {
      const pids = new Map<ServiceName, number>();
      for (const service of services) {
        const pid = running.get(service.name);
        if (pid !== undefined) {
          pids.set(service.name, pid);
          continue;
        }
        await assertPortsFree(service); // again: a long install leaves time for someone to take it
        await step(service, 'prepare', async () => service.prepare?.(dir, log));
        pids.set(
          service.name,
          await step(service, 'start', async () => startDetached(dir, service.process(dir))),
        );
        started.push(service.name);
        log(`${service.name}: started (pid ${pids.get(service.name)}, port ${service.port})`);
      }
      await Promise.all(
        services.map(async (service) => {
          const ms = await waitHealthy(service, dir, pids.get(service.name)!);
          if (started.includes(service.name)) log(`${service.name}: healthy after ${seconds(ms)}`);
          await step(service, 'setup', async () => service.ready?.(dir, started.includes(service.name), log));
        }),
      );
      if (started.length === 0) log('stack: already up, reusing it');
      return { ...(await statusOf(dir, services)), started };
    } catch (error) {
      // Leave no half-started stack behind; what was running before this call stays up.
      await stopAll(
        dir,
        services.filter((s) => started.includes(s.name)),
      );
      throw error;
    }
  });
}

async function stopAll(dir: string, services: Service[]): Promise<Partial<Record<ServiceName, StopResult>>> {
  const results = await Promise.all(
    services.map(async (s) => [s.name, await stopOwned(dir, s.process(dir))] as const),
  );
  if (services.some((s) => s.name === 'moto')) rmSync(adminCredentialsPath(dir), { force: true }); // moto's IAM is in memory
  return Object.fromEntries(results);
}

/** Stops only processes this checkout's `up` started (by recorded pid); `only` narrows it further. */
export async function stackDown({ only, log = silent }: { only?: ServiceName[]; log?: Log } = {}) {
  const dir = stateDir();
  mkdirSync(dir, { recursive: true });
  return locked(dir, log, async () => {
    const services = stackServices().filter((s) => !only || only.includes(s.name));
    const started = Date.now();
    const results = await stopAll(dir, services);
    for (const [name, result] of Object.entries(results)) log(`${name}: ${result}`);
    log(`stack: down in ${seconds(Date.now() - started)}`);
    return results;
  });
}

async function statusOf(dir: string, services: Service[]): Promise<StackStatus> {
  const entries = await Promise.all(
    services.map(async (s) => {
      const pid = ownedPid(dir, s.name, s.process(dir).expect) ?? null;
      const healthy = pid !== null && (await s.probe());
      return [s.name, { healthy, pid, port: s.port }] as const;
    }),
  );
  return {
    services: Object.fromEntries(entries) as Record<ServiceName, ServiceStatus>,
    stateDir: dir,
    cacheDir: cacheDir(),
  };
}

export async function stackStatus(): Promise<StackStatus> {
  return statusOf(stateDir(), stackServices());
}
