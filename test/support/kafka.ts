// Kafka helpers for integration tests: private topics per test, and reading a topic until a condition holds.
import { randomUUID } from 'node:crypto';
import type { KafkaMessage } from 'kafkajs';
import { FINDINGS_TOPIC_CONFIG } from '../../infra/topics.ts';
import { kafka } from '../../runtime/connections.ts';

export async function createTestTopics(
  prefix: string,
  names: string[],
  partitions = 2,
  /** Findings topics that take messages over Kafka's default ~1 MB (hostile-input runs send 5–10 MB ones). */
  opts: { maxMessageBytes?: number } = {},
): Promise<Record<string, string>> {
  const suffix = randomUUID().slice(0, 8);
  const topics = Object.fromEntries(names.map((n) => [n, `test.${prefix}.${n}.${suffix}`]));
  const admin = kafka('nhi-test-admin').admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      // Findings topics get the production findings topics' settings (the broker bounds their message time).
      topics: Object.entries(topics).map(([name, topic]) => ({
        topic,
        numPartitions: partitions,
        replicationFactor: 1,
        ...(['siem', 'cspm', 'scanner'].includes(name)
          ? {
              configEntries: [
                ...FINDINGS_TOPIC_CONFIG,
                ...(opts.maxMessageBytes
                  ? [{ name: 'max.message.bytes', value: String(opts.maxMessageBytes) }]
                  : []),
              ],
            }
          : {}),
      })),
    });
  } finally {
    await admin.disconnect();
  }
  return topics;
}

export async function deleteTestTopics(topics: Record<string, string>): Promise<void> {
  const admin = kafka('nhi-test-admin').admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: Object.values(topics) });
  } finally {
    await admin.disconnect();
  }
}

/** Collect messages of a topic (from its start) until `done(messages)` or the timeout. */
export async function collect(
  topic: string,
  done: (messages: KafkaMessage[]) => boolean,
  timeoutMs = 60_000,
): Promise<KafkaMessage[]> {
  const consumer = kafka('nhi-test-reader').consumer({ groupId: `reader-${randomUUID()}` });
  const messages: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out reading ${topic}: ${messages.length} message(s)`)),
        timeoutMs,
      );
      void consumer.run({
        eachMessage: async ({ message }) => {
          messages.push(message);
          if (done(messages)) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

export async function produce(
  topic: string,
  messages: Array<{
    key?: string;
    value: string | Buffer;
    headers?: Record<string, string>;
    timestamp?: string;
  }>,
): Promise<void> {
  const producer = kafka('nhi-test-producer').producer();
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}
