// Shared by the ingest integration and fault tests: publish a run's traffic (bench/traffic.ts), then check what
// the identity workflows and the consumer group hold afterwards.
import type { Client } from '@temporalio/client';
import type { Message } from 'kafkajs';
import { kafka } from '../../../runtime/connections.ts';

export { notableTraffic, type Traffic } from '../../../bench/traffic.ts';

import { identityQuery, identityWorkflowId } from '../../../workflows/identity/definitions.ts';

export async function publish(topic: string, messages: Message[], chunk = 1_000): Promise<void> {
  const producer = kafka('nhi-test-producer').producer({ idempotent: true });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += chunk) {
      await producer.send({ topic, acks: -1, messages: messages.slice(i, i + chunk) });
    }
  } finally {
    await producer.disconnect();
  }
}

async function inParallel<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

export interface IdentityCheck {
  identities: number;
  complete: number;
  /** Finding ids an identity holds that were never sent to it. */
  unexpected: number;
  /** Finding ids recorded more than once (must stay 0: dedup). */
  duplicated: number;
  /** Deliveries of a finding its workflow already held (re-signals after a crash), summed. */
  redelivered: number;
  missing: number;
  problems: string[];
}

/** Queries every identity workflow once and compares its findingIds with what was sent. */
export async function checkIdentities(
  client: Client,
  expected: Map<string, Set<string>>,
): Promise<IdentityCheck> {
  const check: IdentityCheck = {
    identities: expected.size,
    complete: 0,
    unexpected: 0,
    duplicated: 0,
    redelivered: 0,
    missing: 0,
    problems: [],
  };
  await inParallel([...expected], 24, async ([key, ids]) => {
    let held: string[];
    try {
      const record = await client.workflow.getHandle(identityWorkflowId(key)).query(identityQuery);
      held = record.findingIds;
      check.redelivered += record.redelivered ?? 0;
    } catch (error) {
      check.missing += ids.size;
      if (check.problems.length < 5) check.problems.push(`${key}: ${(error as Error).message}`);
      return;
    }
    const heldSet = new Set(held);
    check.duplicated += held.length - heldSet.size;
    const missing = [...ids].filter((id) => !heldSet.has(id)).length;
    check.missing += missing;
    check.unexpected += [...heldSet].filter((id) => !ids.has(id)).length;
    if (missing === 0 && heldSet.size === ids.size && held.length === ids.size) check.complete++;
  });
  return check;
}

/**
 * Polls until every identity holds exactly its findings (or the time is up); returns the last full check.
 * Queries run as workflow tasks on the worker, so progress is polled on a sample and only the final answer
 * queries every identity: the check must not be what slows the pipeline down.
 */
export async function waitForIdentities(
  client: Client,
  expected: Map<string, Set<string>>,
  timeoutMs: number,
  onProgress?: (check: IdentityCheck) => void,
): Promise<IdentityCheck> {
  const deadline = Date.now() + timeoutMs;
  const all = [...expected];
  const sample = new Map(all.filter((_, i) => i % Math.max(1, Math.floor(all.length / 25)) === 0));
  for (;;) {
    const probe = await checkIdentities(client, sample);
    if (probe.complete === probe.identities || Date.now() > deadline) {
      const check = await checkIdentities(client, expected);
      onProgress?.(check);
      if (check.complete === check.identities || Date.now() > deadline) return check;
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/** Committed offsets of the group against the end offsets of the topics: total messages not yet committed. */
export async function uncommitted(groupId: string, topics: string[]): Promise<number> {
  const admin = kafka('nhi-test-admin').admin();
  await admin.connect();
  try {
    const committed = await admin.fetchOffsets({ groupId, topics });
    let behind = 0;
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      const mine = committed.find((c) => c.topic === topic)?.partitions ?? [];
      for (const { partition, high } of ends) {
        const at = Number(mine.find((p) => p.partition === partition)?.offset ?? -1);
        behind += Number(high) - Math.max(at, 0);
      }
    }
    return behind;
  } finally {
    await admin.disconnect();
  }
}

export async function waitUntil(
  what: string,
  cond: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Best-effort cleanup: the run's identity workflows would otherwise sit on a task queue nobody polls. */
export async function terminateIdentities(client: Client, keys: Iterable<string>): Promise<void> {
  await inParallel([...keys], 24, (key) =>
    client.workflow
      .getHandle(identityWorkflowId(key))
      .terminate('test finished')
      .catch(() => undefined),
  );
}
