// Where the services are. Defaults point at the local stack that `nhi stack up` starts; set the
// NHI_* variables to use a real Kafka cluster, Temporal (cluster or Cloud) or real AWS instead.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0 || value > 65535) {
    throw new Error(`${name}=${raw} is not a port number`);
  }
  return value;
}

/** Installs shared by every checkout (keyed by tool version), so a fresh clone reuses them. */
export function cacheDir(): string {
  return resolve(process.env.NHI_CACHE_DIR ?? join(homedir(), '.cache', 'nhi-enforce'));
}

/** Data, logs and pid files of this checkout's local stack. */
export function stateDir(): string {
  return resolve(process.env.NHI_STATE_DIR ?? join(process.cwd(), '.nhi', 'stack'));
}

export const localPorts = () => ({
  kafka: intFromEnv('NHI_KAFKA_PORT', 19092),
  kafkaController: intFromEnv('NHI_KAFKA_CONTROLLER_PORT', 19093),
  temporal: intFromEnv('NHI_TEMPORAL_PORT', 17233),
  moto: intFromEnv('NHI_MOTO_PORT', 15000),
});

export interface Endpoints {
  kafkaBrokers: string[];
  temporalAddress: string;
  temporalNamespace: string;
  /** Unset means real AWS with the default credential chain. */
  awsEndpoint: string | undefined;
  awsRegion: string;
}

export function endpoints(): Endpoints {
  const ports = localPorts();
  const awsEndpoint = process.env.NHI_AWS_ENDPOINT;
  return {
    kafkaBrokers: (process.env.NHI_KAFKA_BROKERS ?? `127.0.0.1:${ports.kafka}`)
      .split(',')
      .map((b) => b.trim()),
    temporalAddress: process.env.NHI_TEMPORAL_ADDRESS ?? `127.0.0.1:${ports.temporal}`,
    temporalNamespace: process.env.NHI_TEMPORAL_NAMESPACE ?? 'default',
    awsEndpoint: awsEndpoint === 'aws' ? undefined : (awsEndpoint ?? `http://127.0.0.1:${ports.moto}`),
    awsRegion: process.env.NHI_AWS_REGION ?? process.env.AWS_REGION ?? 'us-east-1',
  };
}

export const topics = {
  siem: 'findings.siem',
  cspm: 'findings.cspm',
  scanner: 'findings.scanner',
  dlq: 'findings.dlq',
  events: 'enforcement.events',
  /** Compacted: what the identity workflows already hold, per input partition (consumers/digest-store.ts). */
  digest: process.env.NHI_DIGEST_TOPIC?.trim() || 'nhi.findings.digest',
} as const;
