// Wait for a just-started service to answer its probe, or fail with the reason from its log.
import { setTimeout as sleep } from 'node:timers/promises';
import { StackError } from './errors.ts';
import { lastLogLine } from './process/log-tail.ts';
import { logFilePath, processArgv } from './process/pidfile.ts';
import type { Service } from './services/service.ts';

export async function waitHealthy(service: Service, dir: string, pid: number): Promise<number> {
  const started = Date.now();
  const log = logFilePath(dir, service.name);
  const lastLine = () => lastLogLine(log) ?? '(log is empty)';
  while (Date.now() - started < service.startTimeoutMs) {
    if (await service.probe()) return Date.now() - started;
    if (processArgv(pid) === undefined) {
      throw new StackError(
        service.name,
        `exited during startup — last log line: ${lastLine()}`,
        `full log: ${log}`,
      );
    }
    await sleep(250);
  }
  const seconds = Math.round(service.startTimeoutMs / 1000);
  throw new StackError(
    service.name,
    `did not become healthy in ${seconds}s — last log line: ${lastLine()}`,
    `full log: ${log}`,
  );
}
