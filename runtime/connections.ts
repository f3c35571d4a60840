// Clients for the services, from infra/endpoints.ts (where) and runtime/transport.ts (TLS, SASL, API key) plus the
// payload codec (runtime/payload-codec.ts). One place, so the worker, the consumer, the demo and every CLI command
// connect — and encrypt — the same way.
import {
  Client,
  Connection,
  type ConnectionOptions,
  defaultGrpcRetryOptions,
  makeGrpcRetryInterceptor,
} from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import { Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import { endpoints } from '../infra/endpoints.ts';
import { AesGcmPayloadCodec } from './payload-codec.ts';
import { payloadKeyRing } from './payload-keys.ts';
import { kafkaTransport, temporalTransport } from './transport.ts';

/** `tuning` adjusts timeouts and retries (probes fail fast); where and how to connect always come from the env. */
export function kafka(
  clientId = 'nhi-enforce',
  tuning: Pick<KafkaConfig, 'retry' | 'connectionTimeout' | 'requestTimeout'> = {},
): Kafka {
  const { ssl, sasl } = kafkaTransport();
  return new Kafka({
    clientId,
    brokers: endpoints().kafkaBrokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 8, initialRetryTime: 200 },
    ...tuning,
    ...(ssl ? { ssl } : {}),
    ...(sasl ? { sasl } : {}),
  });
}

/** Address, TLS and API key of the configured Temporal: what every connection to it is opened with. */
export function temporalConnectionOptions(): Pick<ConnectionOptions, 'address' | 'tls' | 'apiKey'> {
  const { tls, apiKey } = temporalTransport();
  return { address: endpoints().temporalAddress, ...(tls ? { tls } : {}), ...(apiKey ? { apiKey } : {}) };
}

let codec: Promise<AesGcmPayloadCodec> | undefined;
/** The process's payload codec (keys read once): for clients, the worker, `nhi codec-server` and evidence. */
export function payloadCodec(): Promise<AesGcmPayloadCodec> {
  codec ??= payloadKeyRing().then((ring) => new AesGcmPayloadCodec(ring));
  codec.catch(() => (codec = undefined)); // a fixed environment may retry
  return codec;
}

export async function temporalDataConverter(): Promise<DataConverter> {
  return { payloadCodecs: [await payloadCodec()] };
}

/**
 * `maxAttempts` bounds the SDK's own gRPC retries (default 10, ~20 s when Temporal is down). The findings
 * consumer uses few: it retries by itself, and meanwhile pauses the partition, heartbeats and reports.
 */
export async function temporalClient(
  opts: { maxAttempts?: number; connectTimeoutMs?: number } = {},
): Promise<Client> {
  const dataConverter = await temporalDataConverter();
  const connection = await Connection.connect({
    ...temporalConnectionOptions(),
    ...(opts.connectTimeoutMs ? { connectTimeout: opts.connectTimeoutMs } : {}),
    ...(opts.maxAttempts
      ? {
          interceptors: [
            makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: opts.maxAttempts })),
          ],
        }
      : {}),
  });
  return new Client({ connection, namespace: endpoints().temporalNamespace, dataConverter });
}

export async function temporalWorkerConnection(): Promise<NativeConnection> {
  // The SDK's Runtime (and its console logger) is fixed by the first native connection: install ours first.
  (await import('./worker.ts')).installQuietRuntime();
  const { address, tls, apiKey } = temporalConnectionOptions();
  return NativeConnection.connect({
    address,
    ...(tls ? { tls } : {}),
    ...(apiKey && typeof apiKey === 'string' ? { apiKey } : {}),
  });
}
