// Kafka over TLS, proven against a real broker: a private Kafka 4.1 that listens only with SASL_SSL (SCRAM-SHA-256,
// SCRAM-SHA-512, PLAIN) and SSL with required client certificates. Our consumer and producer (the pipeline) run a
// finding through it with settings from the NHI_KAFKA_* environment alone; wrong credentials fail to connect.
import { randomUUID } from 'node:crypto';
import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsClients } from '../../activities/aws/clients.ts';
import { kafka, temporalClient } from '../../runtime/connections.ts';
import { type RunningPipeline, startPipeline } from '../../runtime/pipeline.ts';
import { EnforcementEvent } from '../../schemas/enforcement-event.ts';
import { identityWorkflowId } from '../../workflows/identity/definitions.ts';
import { collect, createTestTopics, deleteTestTopics } from '../support/kafka.ts';
import { PLAIN_USER, SCRAM_USER, type SecureKafka, startSecureKafka } from '../support/secure-kafka.ts';
import { makeTestPki } from '../support/tls-certs.ts';
import { publishLeak } from '../support/trufflehog-leak.ts';

const KAFKA_VARS = [
  'NHI_KAFKA_BROKERS',
  'NHI_KAFKA_SSL',
  'NHI_KAFKA_SSL_CA',
  'NHI_KAFKA_SSL_CERT',
  'NHI_KAFKA_SSL_KEY',
  'NHI_KAFKA_SSL_SERVER_NAME',
  'NHI_KAFKA_SASL_MECHANISM',
  'NHI_KAFKA_SASL_USERNAME',
  'NHI_KAFKA_SASL_PASSWORD',
];
const saved = Object.fromEntries(KAFKA_VARS.map((v) => [v, process.env[v]]));
/** This process's Kafka settings become exactly `vars`, as an operator would set them. */
function useKafka(vars: Record<string, string>): void {
  for (const v of KAFKA_VARS) delete process.env[v];
  Object.assign(process.env, vars);
}

const pki = makeTestPki();
let broker: SecureKafka;
const scram = (mechanism: string) => ({
  NHI_KAFKA_BROKERS: broker.saslSslAddress,
  NHI_KAFKA_SSL_CA: pki.ca,
  NHI_KAFKA_SASL_MECHANISM: mechanism,
  NHI_KAFKA_SASL_USERNAME: SCRAM_USER.username,
  NHI_KAFKA_SASL_PASSWORD: SCRAM_USER.password,
});

/** Connects, lists the cluster and disconnects, failing fast (no retries): how a setting is accepted or not. */
async function probe(): Promise<number> {
  const admin = kafka('nhi-test-tls-probe', { retry: { retries: 0 }, connectionTimeout: 5_000 }).admin();
  try {
    await admin.connect();
    return (await admin.describeCluster()).brokers.length;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

const BROKER_START_DEADLINE_MS = 180_000;

beforeAll(async () => {
  broker = await startSecureKafka(pki);
  useKafka(scram('scram-sha-256'));
  const deadline = Date.now() + BROKER_START_DEADLINE_MS;
  for (;;) {
    try {
      if ((await probe()) > 0) break;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(
          `the TLS broker did not come up: ${(error as Error).message}\n${broker.log().slice(-3000)}`,
        );
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
}, BROKER_START_DEADLINE_MS + 60_000);

afterAll(async () => {
  await broker?.stop();
  useKafka(
    Object.fromEntries(Object.entries(saved).filter(([, v]) => v !== undefined)) as Record<string, string>,
  );
});

describe('Kafka with TLS and SASL', () => {
  it('runs the findings consumer and the producers over SASL_SSL with SCRAM-SHA-256: finding in, event out', async () => {
    useKafka(scram('scram-sha-256'));
    const topics = await createTestTopics('tls', ['scanner', 'dlq', 'events']);
    const taskQueue = `kafka-tls-${randomUUID().slice(0, 8)}`;
    const pipeline: RunningPipeline = await startPipeline({
      taskQueue,
      topics: [topics.scanner!],
      dlqTopic: topics.dlq,
      eventsTopic: topics.events,
      groupId: taskQueue,
    });
    const { iam } = awsClients();
    const userName = `tls-${randomUUID().slice(0, 8)}`;
    const userArn = (await iam.send(new CreateUserCommand({ UserName: userName }))).User!.Arn!;
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!;
    try {
      await publishLeak(topics.scanner!, userArn, key);
      // The consumer read it over TLS, the worker's producer wrote the event over TLS, we read it back over TLS.
      const events = await collect(topics.events!, (ms) => ms.some((m) => m.key?.toString() === userArn));
      const event = EnforcementEvent.parse(
        JSON.parse(events.find((m) => m.key?.toString() === userArn)!.value!.toString()),
      );
      expect(event).toMatchObject({ type: 'identity.assessed', workflowId: identityWorkflowId(userArn) });
    } finally {
      await pipeline.stop();
      const client = await temporalClient();
      await client.workflow
        .getHandle(identityWorkflowId(userArn))
        .terminate('test over')
        .catch(() => {});
      await client.connection.close();
      await deleteTestTopics(topics);
    }
  });

  it('accepts SCRAM-SHA-512, PLAIN over TLS, and mutual TLS with a client certificate', async () => {
    useKafka(scram('scram-sha-512'));
    expect(await probe()).toBe(1);
    useKafka({
      ...scram('plain'),
      NHI_KAFKA_SASL_USERNAME: PLAIN_USER.username,
      NHI_KAFKA_SASL_PASSWORD: PLAIN_USER.password,
    });
    expect(await probe()).toBe(1);
    useKafka({
      NHI_KAFKA_BROKERS: broker.mtlsAddress,
      NHI_KAFKA_SSL_CA: pki.ca,
      NHI_KAFKA_SSL_CERT: pki.clientCert,
      NHI_KAFKA_SSL_KEY: pki.clientKey,
    });
    expect(await probe()).toBe(1);
  });

  it('fails to connect with a wrong password, an untrusted CA, no client certificate, or no TLS at all', async () => {
    useKafka({ ...scram('scram-sha-256'), NHI_KAFKA_SASL_PASSWORD: 'wrong' });
    await expect(probe()).rejects.toThrow(/authentication failed/i);
    useKafka({ ...scram('scram-sha-256'), NHI_KAFKA_SSL_CA: pki.otherCa });
    await expect(probe()).rejects.toThrow(/certificate|self[- ]signed|verify/i);
    useKafka({ NHI_KAFKA_BROKERS: broker.mtlsAddress, NHI_KAFKA_SSL_CA: pki.ca });
    await expect(probe()).rejects.toThrow(/bad certificate|certificate required/i);
    // A plaintext client on the TLS port: the broker hangs up.
    useKafka({ NHI_KAFKA_BROKERS: broker.saslSslAddress });
    await expect(probe()).rejects.toThrow(/Closed connection/);
  });
});
