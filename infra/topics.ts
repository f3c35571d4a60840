// The topics of the pipeline, created idempotently (only the missing ones) on the local Kafka.
import type { Kafka } from 'kafkajs';
import { DIGEST_TOPIC_CONFIG } from '../consumers/digest-store.ts';
import { topics } from './endpoints.ts';

export const topicPartitions: Record<string, number> = {
  [topics.siem]: 4,
  [topics.cspm]: 4,
  [topics.scanner]: 4,
  [topics.dlq]: 1, // one partition keeps dead letters in arrival order
  [topics.events]: 4,
  [topics.digest]: 4,
};

/** Topic settings beyond the partition count. */
export const topicConfig: Record<string, Array<{ name: string; value: string }>> = {
  [topics.digest]: DIGEST_TOPIC_CONFIG,
};

/** Returns the names it created. */
export async function ensureTopics(kafka: Kafka): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = Object.entries(topicPartitions).filter(([name]) => !existing.has(name));
    if (missing.length === 0) return [];
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map(([topic, numPartitions]) => ({
        topic,
        numPartitions,
        replicationFactor: 1,
        ...(topicConfig[topic] ? { configEntries: topicConfig[topic] } : {}),
      })),
    });
    return missing.map(([name]) => name);
  } finally {
    await admin.disconnect();
  }
}
