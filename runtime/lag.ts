// Consumer lag as Kafka sees it: the group's committed offsets (admin.fetchOffsets) against the partitions' end
// offsets (admin.fetchTopicOffsets). Sampled on a timer (runtime/sampler.ts).
import type { Admin, Kafka } from 'kafkajs';
import { type Sampler, startSampler } from './sampler.ts';

export interface PartitionLag {
  topic: string;
  partition: number;
  /** End offset (the next offset to be written). */
  end: number;
  /** The group's committed offset, or undefined when it has committed nothing on this partition. */
  committed?: number;
  lag: number;
}

/** Pure: committed -1 (nothing committed) counts from the partition's first retained offset. */
export function lagOf(
  topic: string,
  ends: Array<{ partition: number; high: string; low: string }>,
  committed: Array<{ partition: number; offset: string }>,
): PartitionLag[] {
  const byPartition = new Map(committed.map((c) => [c.partition, Number(c.offset)]));
  return ends.map(({ partition, high, low }) => {
    const end = Number(high);
    const at = byPartition.get(partition);
    const known = at !== undefined && at >= 0 ? at : undefined;
    return { topic, partition, end, committed: known, lag: Math.max(0, end - (known ?? Number(low))) };
  });
}

export async function sampleLag(admin: Admin, groupId: string, topics: string[]): Promise<PartitionLag[]> {
  const committed = await admin.fetchOffsets({ groupId, topics });
  const out: PartitionLag[] = [];
  for (const topic of topics) {
    const ends = await admin.fetchTopicOffsets(topic);
    out.push(...lagOf(topic, ends, committed.find((c) => c.topic === topic)?.partitions ?? []));
  }
  return out;
}

export function startLagSampler(opts: {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  intervalMs: number;
  onSample: (sample: PartitionLag[]) => void;
  onError?: (error: Error) => void;
}): Sampler {
  const admin = opts.kafka.admin();
  let connected: Promise<void> | undefined;
  return startSampler({
    ...opts,
    async sample() {
      try {
        connected ??= admin.connect();
        await connected;
        return await sampleLag(admin, opts.groupId, opts.topics);
      } catch (error) {
        connected = undefined; // reconnect on the next tick
        throw error;
      }
    },
    onStop: () => admin.disconnect(),
  });
}
