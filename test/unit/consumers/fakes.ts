// Fakes for the consumer's unit tests: a kafkajs eachBatch payload that records what the consumer does with it,
// a producer that records DLQ sends, and Kafka messages from plain values.
import type { Batch, EachBatchPayload, KafkaMessage, Message, Producer } from 'kafkajs';

export function kafkaMessage(
  offset: number,
  value: Buffer | string | null,
  headers: Record<string, string> = {},
  key: string | null = null,
): KafkaMessage {
  return {
    key: key === null ? null : Buffer.from(key),
    value: typeof value === 'string' ? Buffer.from(value) : value,
    timestamp: String(Date.now()),
    attributes: 0,
    offset: String(offset),
    size: 0,
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)])),
  } as unknown as KafkaMessage;
}

export interface FakePayload {
  payload: EachBatchPayload;
  resolved: string[];
  commits: Array<{ topic: string; partition: number; offset: string }>;
  pauses: number;
  resumes: number;
  heartbeats: number;
  stop(): void;
}

export function fakePayload(topic: string, partition: number, messages: KafkaMessage[]): FakePayload {
  let running = true;
  const state: FakePayload = {
    resolved: [],
    commits: [],
    pauses: 0,
    resumes: 0,
    heartbeats: 0,
    stop: () => {
      running = false;
    },
    payload: undefined as unknown as EachBatchPayload,
  };
  const batch = {
    topic,
    partition,
    highWatermark: String(messages.length),
    messages,
    isEmpty: () => messages.length === 0,
    firstOffset: () => messages[0]?.offset ?? null,
    lastOffset: () => messages.at(-1)?.offset ?? '-1',
    offsetLag: () => '0',
    offsetLagLow: () => '0',
  } as unknown as Batch;
  state.payload = {
    batch,
    resolveOffset: (offset: string) => {
      state.resolved.push(offset);
    },
    heartbeat: async () => {
      state.heartbeats++;
    },
    pause: () => {
      state.pauses++;
      return () => {
        state.resumes++;
      };
    },
    commitOffsetsIfNecessary: async (offsets?: {
      topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>;
    }) => {
      // Without explicit offsets and with autoCommit off, kafkajs commits nothing: model that faithfully.
      for (const t of offsets?.topics ?? [])
        for (const p of t.partitions)
          state.commits.push({ topic: t.topic, partition: p.partition, offset: p.offset });
    },
    uncommittedOffsets: () => ({ topics: [] }),
    isRunning: () => running,
    isStale: () => false,
  } as unknown as EachBatchPayload;
  return state;
}

export function fakeProducer(): { producer: Producer; sent: Array<{ topic: string; messages: Message[] }> } {
  const sent: Array<{ topic: string; messages: Message[] }> = [];
  const producer = {
    send: async (record: { topic: string; messages: Message[] }) => {
      sent.push({ topic: record.topic, messages: record.messages });
      return [];
    },
  } as unknown as Producer;
  return { producer, sent };
}
