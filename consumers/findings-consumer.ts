// The front door: findings.{siem,cspm,scanner} → canonical findings → identity workflows. Offsets are resolved
// only after the findings they carry are durably in Temporal (or the message is in the DLQ): at-least-once,
// made effectively-once by the identity workflow's dedup.
import type { Client } from '@temporalio/client';
import type { Consumer, EachBatchPayload, KafkaMessage, Producer } from 'kafkajs';
import { topics } from '../infra/endpoints.ts';
import type { Finding } from '../schemas/finding.ts';
import { fingerprintKeyFromEnv } from '../schemas/redaction.ts';
import { decodeMessage, headerText } from './decode-message.ts';
import { type DeadLetter, dlqTopic, toDlqMessage } from './dlq.ts';
import { groupByIdentity } from './group-by-identity.ts';
import { handOff } from './handoff.ts';

export const FINDINGS_TOPICS = [topics.siem, topics.cspm, topics.scanner];

/** Messages handed off per step: progress is committed this often within a large batch. */
const STEP = 500;

export interface ConsumerDeps {
  consumer: Consumer;
  producer: Producer;
  temporal: Client;
  taskQueue?: string;
  /** Defaults: the findings topics and findings.dlq (tests use topics of their own). */
  topics?: string[];
  dlqTopic?: string;
  log?: (event: string, fields?: Record<string, unknown>) => void;
  onFindings?: (count: number) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function processBatch(deps: ConsumerDeps, payload: EachBatchPayload): Promise<void> {
  const { batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary } = payload;
  const log = deps.log ?? (() => {});
  const fingerprintKey = fingerprintKeyFromEnv();
  for (let start = 0; start < batch.messages.length; start += STEP) {
    if (!isRunning() || isStale()) return;
    const step: KafkaMessage[] = batch.messages.slice(start, start + STEP);
    const findings: Finding[] = [];
    const dead: DeadLetter[] = [];
    for (const message of step) {
      const decoded = decodeMessage(message.value, headerText(message.headers?.format), fingerprintKey);
      if (decoded.ok) findings.push(...decoded.findings);
      else
        dead.push({
          topic: batch.topic,
          partition: batch.partition,
          message,
          reason: decoded.reason,
          format: decoded.format,
        });
    }
    if (dead.length) {
      await deps.producer.send({
        topic: deps.dlqTopic ?? dlqTopic,
        acks: -1,
        messages: dead.map((d) => toDlqMessage(d)),
      });
      log('dlq', { count: dead.length, topic: batch.topic, partition: batch.partition });
    }
    const delivered = await handOffWithBackoff(deps, groupByIdentity(findings), payload);
    if (!delivered) return; // stopping: the un-resolved messages are redelivered after restart
    deps.onFindings?.(findings.length);
    resolveOffset(step.at(-1)!.offset);
    await commitOffsetsIfNecessary();
    await heartbeat();
  }
}

/** Temporal away → keep this partition paused and retry with backoff; never drop, never skip ahead. */
async function handOffWithBackoff(
  deps: ConsumerDeps,
  batches: ReturnType<typeof groupByIdentity>,
  payload: EachBatchPayload,
): Promise<boolean> {
  let delay = 250;
  let resume: (() => void) | undefined;
  for (;;) {
    try {
      await handOff(deps.temporal, batches, deps.taskQueue);
      resume?.();
      return true;
    } catch (error) {
      if (!payload.isRunning() || payload.isStale()) return false;
      resume ??= payload.pause();
      deps.log?.('handoff-retry', { error: (error as Error).message, retryInMs: delay });
      await sleep(delay);
      await payload.heartbeat().catch(() => {});
      delay = Math.min(delay * 2, 10_000);
    }
  }
}

export async function runFindingsConsumer(deps: ConsumerDeps): Promise<void> {
  await deps.consumer.connect();
  await deps.consumer.subscribe({ topics: deps.topics ?? FINDINGS_TOPICS, fromBeginning: true });
  await deps.consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 3,
    eachBatch: (payload) => processBatch(deps, payload),
  });
}
