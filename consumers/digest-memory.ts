// What the identity workflows already hold, as the consumer remembers it: per input partition, per identity,
// finding id → change hash, and a summary of plain activity (last signalled use, networks, regions). Pure and
// bounded: over the cap, the least recently touched identities are forgotten; their next findings are simply
// signalled again (the workflow drops what it already has).
import type { Finding } from '../schemas/finding.ts';
import { changeHash, sourceNetwork } from './change-hash.ts';

export type Verdict = 'new' | 'changed' | 'repeat';

export interface ActivitySummary {
  /** When activity was last signalled (ms since epoch). */
  at: number;
  networks: string[];
  regions: string[];
}

interface IdentityDigest {
  findings: Map<string, string>;
  activity?: ActivitySummary;
}

/** One entry as it is persisted: `finding` + hash, or the activity summary. */
export type DigestEntry =
  | { partition: string; identity: string; finding: string; hash: string }
  | { partition: string; identity: string; activity: ActivitySummary };

export interface DigestMemoryOptions {
  /** Most entries (finding ids, activity summaries) kept per input partition. */
  capPerPartition: number;
  /** Plain activity of one identity is signalled at most once per interval, unless it is risk-relevant. */
  activityIntervalMs: number;
}

export const DEFAULT_DIGEST_OPTIONS: DigestMemoryOptions = {
  capPerPartition: 200_000,
  activityIntervalMs: 5 * 60_000,
};

const MAX_ACTIVITY_SOURCES = 64;

class PartitionDigest {
  /** Insertion order is recency: a touched identity is moved to the end. */
  readonly identities = new Map<string, IdentityDigest>();
  size = 0;
}

const withCap = (list: string[], item: string | undefined): string[] =>
  item === undefined || list.includes(item) ? list : [...list, item].slice(-MAX_ACTIVITY_SOURCES);

export class DigestMemory {
  private readonly partitions = new Map<string, PartitionDigest>();
  readonly options: DigestMemoryOptions;
  evicted = 0;

  constructor(options: Partial<DigestMemoryOptions> = {}) {
    this.options = { ...DEFAULT_DIGEST_OPTIONS, ...options };
  }

  has(partition: string): boolean {
    return this.partitions.has(partition);
  }

  /** Forget a partition (revoked, or a step of it was abandoned): it is restored before its next use. */
  drop(partition: string): void {
    this.partitions.delete(partition);
  }

  dropAll(): void {
    this.partitions.clear();
  }

  /** Marks a partition as held (restored), even when the topic had nothing for it. */
  hold(partition: string): void {
    if (!this.partitions.has(partition)) this.partitions.set(partition, new PartitionDigest());
  }

  entries(partition?: string): number {
    if (partition !== undefined) return this.partitions.get(partition)?.size ?? 0;
    let n = 0;
    for (const p of this.partitions.values()) n += p.size;
    return n;
  }

  /**
   * Decides whether Temporal must hear about `finding` for `identity`, and if so remembers it as held at once
   * (a later step must not signal it again). Returns the verdict and the entry to persist once Temporal accepted.
   */
  observe(
    partition: string,
    identity: string,
    finding: Finding,
    now: number,
  ): { verdict: Verdict; entry?: DigestEntry } {
    const digest = this.touch(partition, identity);
    if (finding.kind === 'activity') return this.observeActivity(partition, identity, digest, finding, now);
    const hash = changeHash(finding);
    const known = digest.findings.get(finding.id);
    if (known === hash) return { verdict: 'repeat' };
    if (known === undefined) this.grow(partition, 1);
    digest.findings.set(finding.id, hash);
    return {
      verdict: known === undefined ? 'new' : 'changed',
      entry: { partition, identity, finding: finding.id, hash },
    };
  }

  /** Temporal refused it (dead-lettered): not held, so a re-send is tried again. */
  forget(partition: string, identity: string, findingId: string): void {
    const digest = this.partitions.get(partition)?.identities.get(identity);
    if (digest?.findings.delete(findingId)) this.grow(partition, -1);
  }

  /** Loads one persisted entry (restore). */
  apply(entry: DigestEntry): void {
    const digest = this.touch(entry.partition, entry.identity);
    if ('activity' in entry) {
      if (!digest.activity) this.grow(entry.partition, 1);
      digest.activity = entry.activity;
      return;
    }
    if (!digest.findings.has(entry.finding)) this.grow(entry.partition, 1);
    digest.findings.set(entry.finding, entry.hash);
  }

  /**
   * Plain use of a credential: signalled when it comes from a network or region not seen before for this identity
   * (risk-relevant), else at most once per interval (it keeps "last used" fresh); everything else is a repeat.
   */
  private observeActivity(
    partition: string,
    identity: string,
    digest: IdentityDigest,
    finding: Finding,
    now: number,
  ): { verdict: Verdict; entry?: DigestEntry } {
    const network = sourceNetwork(finding);
    const region = finding.cloud?.region;
    const seen = digest.activity;
    const novel =
      !seen ||
      (network !== undefined && !seen.networks.includes(network)) ||
      (region !== undefined && !seen.regions.includes(region));
    const due = seen !== undefined && now - seen.at >= this.options.activityIntervalMs;
    if (!novel && !due) return { verdict: 'repeat' };
    if (!seen) this.grow(partition, 1);
    const activity: ActivitySummary = {
      at: now,
      networks: withCap(seen?.networks ?? [], network),
      regions: withCap(seen?.regions ?? [], region),
    };
    digest.activity = activity;
    return { verdict: seen ? 'changed' : 'new', entry: { partition, identity, activity } };
  }

  private touch(partition: string, identity: string): IdentityDigest {
    let p = this.partitions.get(partition);
    if (!p) {
      p = new PartitionDigest();
      this.partitions.set(partition, p);
    }
    let digest = p.identities.get(identity);
    if (digest) p.identities.delete(identity);
    else digest = { findings: new Map() };
    p.identities.set(identity, digest);
    return digest;
  }

  private grow(partition: string, by: number): void {
    const p = this.partitions.get(partition)!;
    p.size += by;
    if (p.size <= this.options.capPerPartition) return;
    // Least recently touched first; the identity being worked on is the newest and stays.
    for (const [key, digest] of p.identities) {
      if (p.size <= this.options.capPerPartition || p.identities.size <= 1) break;
      p.identities.delete(key);
      p.size -= digest.findings.size + (digest.activity ? 1 : 0);
      this.evicted++;
    }
  }
}
