// Consumer lag as Kafka sees it: the group's committed offsets (admin.fetchOffsets) against the partitions' end
// offsets (admin.fetchTopicOffsets). Sampled on a timer, never on the scrape path: a slow broker must not make a
// scrape time out.
import type { Admin, Kafka } from 'kafkajs';

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

export interface LagSampler {
  stop(): Promise<void>;
}

export function startLagSampler(opts: {
  kafka: Kafka;
  groupId: string;
  topics: string[];
  intervalMs: number;
  onSample: (sample: PartitionLag[]) => void;
  onError?: (error: Error) => void;
}): LagSampler {
  const admin = opts.kafka.admin();
  let connected: Promise<void> | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  let busy = false;
  const tick = () => {
    if (busy) return; // a slow sample is not stacked up
    busy = true;
    running = (async () => {
      try {
        connected ??= admin.connect();
        await connected;
        if (!stopped) opts.onSample(await sampleLag(admin, opts.groupId, opts.topics));
      } catch (error) {
        connected = undefined;
        opts.onError?.(error as Error);
      } finally {
        busy = false;
      }
    })();
  };
  tick();
  const timer = setInterval(tick, opts.intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      await admin.disconnect().catch(() => {});
    },
  };
}
