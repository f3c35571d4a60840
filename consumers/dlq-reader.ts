// Reads a topic from its start up to the end it had when reading began (the DLQ for `nhi dlq`): a consumer of its
// own group, committing nothing, stopped once every partition is read to its high watermark.
import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

export interface ReadMessage {
  partition: number;
  message: KafkaMessage;
}

/** Gives up when no message arrives for this long (a gap at a partition's end would otherwise wait forever). */
const IDLE_LIMIT_MS = 60_000;

export async function readToEnd(kafka: Kafka, topic: string): Promise<ReadMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  let ends: Map<number, bigint>;
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    ends = new Map(
      offsets.filter((o) => BigInt(o.high) > BigInt(o.low)).map((o) => [o.partition, BigInt(o.high)]),
    );
  } finally {
    await admin.disconnect();
  }
  if (ends.size === 0) return [];
  const consumer = kafka.consumer({ groupId: `nhi-dlq-reader-${randomUUID()}` });
  const out: ReadMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let idle: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve, reject) => {
      const pending = new Set(ends.keys());
      const arm = () => {
        clearTimeout(idle);
        idle = setTimeout(
          () => reject(new Error(`reading ${topic}: nothing arrived for ${IDLE_LIMIT_MS / 1000} s`)),
          IDLE_LIMIT_MS,
        );
      };
      arm();
      consumer
        .run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => {
            arm();
            const end = ends.get(partition);
            if (end === undefined || BigInt(message.offset) >= end) return;
            out.push({ partition, message });
            if (BigInt(message.offset) + 1n >= end) {
              pending.delete(partition);
              if (pending.size === 0) {
                clearTimeout(idle);
                resolve();
              }
            }
          },
        })
        .catch(reject);
    }).finally(() => clearTimeout(idle));
  } finally {
    await consumer.disconnect();
  }
  return out.sort(
    (a, b) => a.partition - b.partition || Number(BigInt(a.message.offset) - BigInt(b.message.offset)),
  );
}
