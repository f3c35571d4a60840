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

/**
 * The findings topics' message time is bounded by the broker: a message dated more than 5 minutes ahead of the
 * broker's clock is refused (INVALID_TIMESTAMP). That time orders rescans (consumers/rescan-report.ts), so a
 * producer cannot date a forged complete result into the future to outrank the genuine next one. Production
 * findings topics need the same (or message.timestamp.type=LogAppendTime, which replaces the time outright).
 */
export const FINDINGS_TOPIC_CONFIG = [{ name: 'message.timestamp.after.max.ms', value: String(5 * 60_000) }];

/** Topic settings beyond the partition count. */
export const topicConfig: Record<string, Array<{ name: string; value: string }>> = {
  [topics.digest]: DIGEST_TOPIC_CONFIG,
  [topics.siem]: FINDINGS_TOPIC_CONFIG,
  [topics.cspm]: FINDINGS_TOPIC_CONFIG,
  [topics.scanner]: FINDINGS_TOPIC_CONFIG,
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
