// What the stack needs to know about each local service to install, start, probe and stop it.
import type { Log } from '../log.ts';
import type { ProcessSpec } from '../process/supervise.ts';

export type ServiceName = 'kafka' | 'temporal' | 'moto';

export interface Service {
  name: ServiceName;
  /** The port clients use. */
  port: number;
  /** Every port the service binds, with the variable that moves it; all must be free before a start. */
  ports: { port: number; env: string }[];
  startTimeoutMs: number;
  install(log: Log): Promise<unknown>;
  /** Tools needed at run time (not only for installing), checked before starting. */
  requireTools(): void;
  process(dir: string): ProcessSpec;
  /** One-off preparation before a start (e.g. Kafka's storage format). */
  prepare?(dir: string, log: Log): Promise<void>;
  /** One quick health probe; false (never a throw) when the service does not answer yet. */
  probe(): Promise<boolean>;
  /** After the service is healthy. `fresh` = this `up` started it (not a reused running process). */
  ready?(dir: string, fresh: boolean, log: Log): Promise<void>;
}
