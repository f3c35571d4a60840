// The digest made durable without a database of our own: a compacted Kafka topic keyed by input partition,
// identity and finding (the way Kafka Streams backs a state store with a changelog). Entries are written after
// Temporal accepted the signal and before the step's offsets commit, so a crash re-signals at most the
// uncommitted step. A partition's entries are restored into memory before its first step after an assignment.
import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import type { ActivitySummary, DigestEntry, DigestMemory } from './digest-memory.ts';

/** A changelog: the newest entry per key is all that matters, so Kafka keeps only that. */
export const DIGEST_TOPIC_CONFIG = [
  { name: 'cleanup.policy', value: 'compact' },
  { name: 'min.compaction.lag.ms', value: '0' },
  { name: 'segment.ms', value: '600000' },
];

const SEP = '\u001f';
const ACTIVITY = '~activity';

export function entryKey(e: DigestEntry): string {
  return [e.partition, e.identity, 'activity' in e ? ACTIVITY : e.finding].join(SEP);
}

export function entryValue(e: DigestEntry): string {
  return 'activity' in e ? JSON.stringify(e.activity) : e.hash;
}

/** An entry back from the topic; undefined for a record we did not write (or a tombstone). */
export function parseEntry(key: string, value: string | undefined): DigestEntry | undefined {
  const [partition, identity, finding, ...rest] = key.split(SEP);
  if (!partition || !identity || !finding || rest.length || value === undefined) return undefined;
  if (finding !== ACTIVITY) return { partition, identity, finding, hash: value };
  try {
    const a = JSON.parse(value) as ActivitySummary;
    if (typeof a.at !== 'number' || !Array.isArray(a.networks) || !Array.isArray(a.regions)) return undefined;
    return { partition, identity, activity: a };
  } catch {
    return undefined;
  }
}

/** The memory's name for an input partition. */
export const partitionKey = (topic: string, partition: number): string => `${topic}:${partition}`;

export interface DigestStoreDeps {
  kafka: Kafka;
  producer: Producer;
  topic: string;
  memory: DigestMemory;
  log?: (event: string, fields?: Record<string, unknown>) => void;
}

export class DigestStore {
  private restoring: Promise<void> | undefined;
  restored = 0;
  restores = 0;

  constructor(private readonly deps: DigestStoreDeps) {}

  get memory(): DigestMemory {
    return this.deps.memory;
  }

  async persist(entries: DigestEntry[]): Promise<void> {
    for (let i = 0; i < entries.length; i += 5_000) {
      await this.deps.producer.send({
        topic: this.deps.topic,
        acks: -1,
        messages: entries.slice(i, i + 5_000).map((e) => ({ key: entryKey(e), value: entryValue(e) })),
      });
    }
  }

  /** Creates the compacted topic if it is missing (a stack brought up before it existed, a new cluster). */
  async ensureTopic(partitions = 4): Promise<void> {
    const admin = this.deps.kafka.admin();
    await admin.connect();
    try {
      if ((await admin.listTopics()).includes(this.deps.topic)) return;
      await admin
        .createTopics({
          waitForLeaders: true,
          topics: [
            {
              topic: this.deps.topic,
              numPartitions: partitions,
              replicationFactor: 1,
              configEntries: DIGEST_TOPIC_CONFIG,
            },
          ],
        })
        .catch(() => {}); // created by another member meanwhile
    } finally {
      await admin.disconnect();
    }
  }

  /** Resolves once `partition` is in memory, restored from the topic if it was not held. */
  async ready(partition: string): Promise<void> {
    while (!this.deps.memory.has(partition)) {
      if (!this.restoring) {
        // Gather the partitions asked for in the same tick: one read of the topic serves them all.
        const wanted = new Set<string>();
        this.restoring = (async () => {
          await new Promise((r) => setTimeout(r, 20));
          for (const p of this.waiting) wanted.add(p);
          this.waiting.clear();
          await this.restore(wanted);
        })().finally(() => {
          this.restoring = undefined;
        });
      }
      this.waiting.add(partition);
      await this.restoring;
    }
  }

  private readonly waiting = new Set<string>();

  /** Reads the whole topic up to its end as of now and keeps the entries of the wanted partitions. */
  private async restore(wanted: Set<string>): Promise<void> {
    if (wanted.size === 0) return;
    const started = Date.now();
    const { kafka, topic, memory } = this.deps;
    const admin = kafka.admin();
    await admin.connect();
    let ends: Array<{ partition: number; high: string; low: string }>;
    try {
      ends = await admin.fetchTopicOffsets(topic);
    } finally {
      await admin.disconnect();
    }
    const remaining = new Map(
      ends.filter((e) => BigInt(e.high) > BigInt(e.low)).map((e) => [e.partition, BigInt(e.high) - 1n]),
    );
    // Staged, then applied at once: a partition is never seen half restored.
    const staged: DigestEntry[] = [];
    if (remaining.size > 0) {
      const groupId = `nhi-digest-restore-${randomUUID()}`;
      const reader = kafka.consumer({ groupId, maxBytesPerPartition: 8 * 1024 * 1024 });
      await reader.connect();
      try {
        await reader.subscribe({ topics: [topic], fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
          reader
            .run({
              autoCommit: false,
              eachBatch: async ({ batch }) => {
                const last = remaining.get(batch.partition);
                if (last === undefined) return;
                for (const m of batch.messages) {
                  if (BigInt(m.offset) > last) break;
                  const entry = parseEntry(m.key?.toString() ?? '', m.value?.toString());
                  if (entry && wanted.has(entry.partition)) staged.push(entry);
                }
                if (BigInt(batch.lastOffset()) >= last) remaining.delete(batch.partition);
                if (remaining.size === 0) resolve();
              },
            })
            .catch(reject);
        });
      } finally {
        await reader.disconnect();
        const cleanup = kafka.admin();
        await cleanup.connect();
        await cleanup.deleteGroups([groupId]).catch(() => {});
        await cleanup.disconnect();
      }
    }
    for (const entry of staged) memory.apply(entry);
    for (const p of wanted) memory.hold(p);
    const applied = staged.length;
    this.restored += applied;
    this.restores++;
    this.deps.log?.('digest-restored', {
      partitions: [...wanted],
      entries: applied,
      ms: Date.now() - started,
    });
  }
}
