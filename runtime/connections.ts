// Clients for the three services, from infra/endpoints.ts. One place, so every process connects the same way.
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { Kafka, logLevel } from 'kafkajs';
import { endpoints } from '../infra/endpoints.ts';

export function kafka(clientId = 'nhi-enforce'): Kafka {
  return new Kafka({
    clientId,
    brokers: endpoints().kafkaBrokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 8, initialRetryTime: 200 },
  });
}

/**
 * `maxAttempts` bounds the SDK's own gRPC retries (default 10, ~20 s when Temporal is down). The findings
 * consumer uses few: it retries by itself, and meanwhile pauses the partition, heartbeats and reports.
 */
export async function temporalClient(opts: { maxAttempts?: number } = {}): Promise<Client> {
  const { temporalAddress, temporalNamespace } = endpoints();
  const connection = await Connection.connect({
    address: temporalAddress,
    ...(opts.maxAttempts
      ? {
          interceptors: [
            makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: opts.maxAttempts })),
          ],
        }
      : {}),
  });
  return new Client({ connection, namespace: temporalNamespace });
}

export async function temporalWorkerConnection(): Promise<NativeConnection> {
  // The SDK's Runtime (and its console logger) is fixed by the first native connection: install ours first.
  (await import('./worker.ts')).installQuietRuntime();
  return NativeConnection.connect({ address: endpoints().temporalAddress });
}
