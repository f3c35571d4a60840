// The front door: findings.{siem,cspm,scanner} → canonical findings → identity workflows. A batch is worked in
// steps; a step's offsets are resolved and committed only after every finding it carries is durably in Temporal
// or its message is in the DLQ: at-least-once, made effectively-once by the identity workflow's dedup.
//
// kafkajs semantics this relies on (kafkajs 2.x runner.js / offsetManager):
// - with autoCommit off, commitOffsetsIfNecessary() without arguments never commits (no interval, no
//   threshold): offsets are committed explicitly, per step, with commitOffsetsIfNecessary(offsets);
// - there is no background heartbeat: a handoff that waits for Temporal heartbeats on a timer, and a rebalance
//   seen there ends the batch so kafkajs can rejoin (the uncommitted step is redelivered);
// - pause() affects the next fetches only; the partition is resumed when this batch ends, whatever the outcome.
import type { Client } from '@temporalio/client';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { topics } from '../infra/endpoints.ts';
import type { Finding } from '../schemas/finding.ts';
import type { IdentityRef } from '../schemas/identity.ts';
import type { MessageLimitsPolicy } from '../schemas/policy.ts';
import { fingerprintKeyFromEnv } from '../schemas/redaction.ts';
import { chunkForSend } from './chunk-for-send.ts';
import { Coalescer, type CoalescerOptions } from './coalescer.ts';
import { CommitLanes, type LaneOptions, type LaneTicket } from './commit-lanes.ts';
import { exceptionReason, headerText, messageLimits, messageTime } from './decode-message.ts';
import { type DigestEntry, DigestMemory, type DigestMemoryOptions } from './digest-memory.ts';
import { DigestStore, partitionKey } from './digest-store.ts';
import { type DeadLetter, dlqTopic, toDlqMessage } from './dlq.ts';
import { dlqKey } from './dlq-seal.ts';
import { groupByIdentity, type IdentityBatch } from './group-by-identity.ts';
import { handOff, type IdentityWork, type SignalFn, temporalSignal, toWork } from './handoff.ts';
import { type MessageDecoder, sharedDecoder } from './message-budget.ts';
import { noIdentityEvent, noIdentityMessage, splitByIdentity } from './no-identity.ts';
import { RESCAN_SCOPE_HEADER, type RescanFn, rescanReportOf } from './rescan-report.ts';
import { type IdentityExists, keepRotatedSecretsTogether } from './rotated-secrets.ts';
import { type ClassifiedError, classifyHandoffError, type HandoffErrorClass } from './temporal-errors.ts';

export const FINDINGS_TOPICS = [topics.siem, topics.cspm, topics.scanner];

/** Messages per step: one round of signals (one per identity named in it) and one commit. Larger steps mean
 * fewer signals (Temporal work) but more redelivery after a crash; NHI_STEP_SIZE tunes it. */
export const DEFAULT_STEP = 2_000;

/** What one step did and where its time went (metrics, bench). */
export interface StepStats {
  topic: string;
  partition: number;
  messages: number;
  /** Findings the step took in (a finding naming two identities counts once), repeats included. */
  findings: number;
  /** Identity batches handed off (with coalescing, several share one Temporal signal: see signalled). */
  signals: number;
  /** Findings not signalled: their identity workflows already hold them unchanged (digest). */
  repeats: number;
  /** Findings that named no identity: published as `ingest.no-identity` events, not signalled. */
  noIdentity: number;
  deadLetters: { decode: number; temporal: number };
  decodeMs: number;
  /** The longest any one message of the step took to decode (its hold on the partition), and how many ran out of
   * their time budget. */
  slowestMessageMs: number;
  overBudget: number;
  handoffMs: number;
  dlqMs: number;
  digestMs: number;
  commitMs: number;
}

export interface ConsumerObserver {
  step?(stats: StepStats): void;
  /** A handoff attempt failed and will be retried after a pause. */
  retry?(errorClass: HandoffErrorClass): void;
  paused?(topic: string, partition: number, paused: boolean): void;
  /** Temporal accepted one signal carrying `findings` findings. */
  signalled?(findings: number): void;
}

export interface ConsumerDeps {
  consumer: Consumer;
  producer: Producer;
  temporal?: Client;
  /** Overrides the signal-with-start to Temporal (unit tests). */
  signal?: SignalFn;
  /** Change detection: what the identity workflows already hold (off: every finding is signalled). */
  digest?: DigestStore;
  /** Coalescing of an identity's findings across steps and partitions into one signal (off: one per step). */
  coalescer?: Coalescer;
  /** Reading decoupled from the handoff: a batch ends once its steps are submitted; each partition commits by
   * its watermark as its steps are accepted (off: a batch waits for its steps). */
  lanes?: CommitLanes;
  taskQueue?: string;
  /** Defaults: the findings topics and findings.dlq (tests use topics of their own). */
  topics?: string[];
  dlqTopic?: string;
  /** Where `ingest.no-identity` events go (default: the pipeline's events topic). */
  eventsTopic?: string;
  log?: (event: string, fields?: Record<string, unknown>) => void;
  observer?: ConsumerObserver;
  /** Default DEFAULT_STEP. */
  stepSize?: number;
  /** Default 4. */
  partitionsConsumedConcurrently?: number;
  /** Backoff while Temporal is away: first and longest wait (default 250 ms, 5 s). */
  backoffMs?: { initial: number; max: number };
  /** How often the consumer heartbeats while it waits on Temporal (default 1 s; kafkajs throttles further). */
  heartbeatEveryMs?: number;
  /** Hands a rescan's report to its scope's workflow (rescan-report.ts); unset: rescan headers are ignored. */
  rescan?: RescanFn;
  /** Whether an identity workflow exists (rotated-secrets.ts); unset: no rotation lookups (unit tests). */
  identityExists?: IdentityExists;
  /**
   * The policy's caps per message (default: the policy defaults). NHI_MAX_*_PER_MESSAGE override them, read at
   * each batch, so a raised cap applies without a restart.
   */
  limits?: MessageLimitsPolicy;
  /** Decodes each message within its time budget (default: the process's, message-budget.ts). */
  decoder?: MessageDecoder;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A Temporal call made while decoding (a rotation lookup, a rescan's report): while Temporal is away it is retried
 * with backoff, heartbeating, as long as this member still owns the batch; then the error goes to kafkajs, which
 * restarts the consumer from the last committed offset.
 */
async function untilTemporalAnswers<T>(
  deps: ConsumerDeps,
  payload: EachBatchPayload,
  what: string,
  call: () => Promise<T>,
): Promise<T> {
  const backoff = deps.backoffMs ?? { initial: 250, max: 5_000 };
  let delay = backoff.initial;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (!payload.isRunning() || payload.isStale()) throw error;
      deps.log?.('temporal-retry', {
        what,
        error: (error as Error)?.message?.split('\n')[0],
        retryInMs: delay,
      });
      await payload.heartbeat();
      await sleep(delay);
      delay = Math.min(delay * 2, backoff.max);
    }
  }
}
const elapsed = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const nextOffset = (offset: string) => (BigInt(offset) + 1n).toString();

/** A handoff outcome: what Temporal refused for good (to dead-letter), or `stopped` to abandon the step. */
type Delivery =
  | {
      stopped: false;
      signals: number;
      rejected: Array<{ finding: Finding; identity: IdentityRef; reason: string }>;
    }
  | { stopped: true };

/** Steps of one batch whose handoff may overlap: the next step's findings join the coalescer's open batches
 * while the previous step's signals are still on their way. Commits stay in offset order. */
export const STEPS_IN_FLIGHT = 16;

interface StepWork {
  firstOffset: string;
  lastOffset: string;
  messages: number;
  /** Findings the step took in (repeats included). */
  taken: number;
  /** The message of each finding signalled (a refused one is dead-lettered with its message). */
  origin: Map<Finding, KafkaMessage>;
  /** Whole messages dead-lettered (a temporal rejection adds its message only if it is not one of them)… */
  deadMessages: Set<KafkaMessage>;
  /** …and every dead letter of the step: whole messages and single records. */
  dead: DeadLetter[];
  decodeDead: number;
  decodeMs: number;
  slowestMessageMs: number;
  overBudget: number;
  repeats: number;
  /** Findings of the step that named no identity, with their messages (events before the commit). */
  noIdentity: Array<{ finding: Finding; message: KafkaMessage }>;
  /** What the digest learns once Temporal accepted the step's signals. */
  entries: DigestEntry[];
  started: bigint;
  delivery: Promise<Delivery>;
  /** With lanes: the batch's ticket (a rebalance or an abandon since means this step must not commit). */
  ticket?: LaneTicket;
}

const HOSTILE = {
  budget: 'the message exceeded its time budget',
  exception: 'decoding the message threw',
} as const;

/** A rescan's report, or the reason there is none: a finding that breaks the report's own checks is a reason. */
function rescanReport(...args: Parameters<typeof rescanReportOf>): ReturnType<typeof rescanReportOf> {
  try {
    return rescanReportOf(...args);
  } catch (error) {
    return { problem: exceptionReason('rescan report failed', error) };
  }
}

export async function processBatch(deps: ConsumerDeps, payload: EachBatchPayload): Promise<void> {
  const { batch, isRunning, isStale } = payload;
  const log = deps.log ?? (() => {});
  const fingerprintKey = fingerprintKeyFromEnv();
  const limits = messageLimits(deps.limits);
  const stepSize = deps.stepSize ?? DEFAULT_STEP;
  const decoder = deps.decoder ?? sharedDecoder();
  const signal = deps.coalescer?.signal ?? countedSignal(deps);
  const digest = deps.digest;
  const tp = partitionKey(batch.topic, batch.partition);
  const lanes = deps.lanes;
  if (lanes && !lanes.valid(lanes.ticket(tp))) return; // closed for a stop: nothing new is taken
  if (digest) await withHeartbeats(payload, digest.ready(tp), deps.heartbeatEveryMs);
  const ticket = lanes?.ticket(tp);
  const inFlight: StepWork[] = [];
  try {
    for (let start = 0; start < batch.messages.length; start += stepSize) {
      if (!isRunning() || isStale()) break;
      if (lanes && !lanes.valid(ticket!)) break;
      const step: KafkaMessage[] = batch.messages.slice(start, start + stepSize);

      let t = process.hrtime.bigint();
      const findings: Finding[] = [];
      const origin = new Map<Finding, KafkaMessage>();
      const deadMessages = new Set<KafkaMessage>();
      const dead: DeadLetter[] = [];
      const noIdentity: StepWork['noIdentity'] = [];
      let slowestMessageMs = 0;
      let overBudget = 0;
      let beat = Date.now();
      for (const message of step) {
        // One message's work is bounded by its budget, but a step of them is not: keep the membership alive.
        if (Date.now() - beat > (deps.heartbeatEveryMs ?? 1_000)) {
          await payload.heartbeat();
          beat = Date.now();
        }
        // Never throws: whatever one message does to the decoder (an exception, the time budget) is its reason.
        const { decoded, ms } = await decoder.decode(
          message.value,
          headerText(message.headers?.format),
          fingerprintKey,
          limits,
          messageTime(message.timestamp),
        );
        slowestMessageMs = Math.max(slowestMessageMs, ms);
        if (!decoded.ok && decoded.hostile === 'budget') {
          overBudget++;
          log('message-over-budget', {
            topic: batch.topic,
            partition: batch.partition,
            offset: message.offset,
            bytes: message.value?.length ?? 0,
            ms: Math.round(ms),
            budgetMs: limits.budgetMs,
          });
        }
        const told = headerText(message.headers?.['ingest-problem'])?.slice(0, 300);
        if (decoded.ok) {
          // A fingerprint key rotation window: a secret already known under the old key keeps that identity.
          const exists = deps.identityExists;
          const decodedFindings = exists
            ? await untilTemporalAnswers(deps, payload, 'rotation-lookup', () =>
                keepRotatedSecretsTogether(decoded.findings, exists),
              )
            : decoded.findings;
          const { named, unnamed } = splitByIdentity(decodedFindings);
          for (const f of unnamed) noIdentity.push({ finding: f, message });
          for (const f of named) origin.set(f, message);
          findings.push(...named);
          // The complete result of a tool for a scope: what it no longer names is closed (workflows/rescan/).
          const scope = headerText(message.headers?.[RESCAN_SCOPE_HEADER]);
          if (scope !== undefined && deps.rescan) {
            const at = messageTime(message.timestamp) ?? new Date().toISOString();
            const made = rescanReport(scope, headerText(message.headers?.format), decodedFindings, at, {
              topic: batch.topic,
              partition: batch.partition,
              offset: message.offset,
            });
            const rescan = deps.rescan;
            if ('report' in made)
              await untilTemporalAnswers(deps, payload, 'rescan', () => rescan(made.report));
            else log('rescan-refused', { topic: batch.topic, offset: message.offset, reason: made.problem });
          }
          for (const r of decoded.rejected)
            dead.push({
              topic: batch.topic,
              partition: batch.partition,
              message,
              reason: `record ${r.record} of line ${r.line}: ${r.reason}`,
              format: r.format,
              record: { value: r.value, line: r.line, index: r.record },
            });
        } else {
          deadMessages.add(message);
          dead.push({
            topic: batch.topic,
            partition: batch.partition,
            message,
            reason:
              told && told !== decoded.reason ? `${decoded.reason} (nhi ingest: ${told})` : decoded.reason,
            format: decoded.format,
            ...(decoded.hostile ? { hostile: HOSTILE[decoded.hostile] } : {}),
          });
        }
      }
      // Change detection: only what Temporal does not hold yet goes on; repeats are counted and committed.
      const selected = digest
        ? selectChanges(digest.memory, tp, findings)
        : { batches: groupByIdentity(findings), repeats: 0, entries: [] };
      const decodeMs = elapsed(t);
      t = process.hrtime.bigint();
      const delivery = deliver(deps, payload, signal, toWork(selected.batches), log);
      delivery.catch(() => {}); // awaited in order below; an early failure must not be unhandled meanwhile
      // Only what was signalled can be refused; a repeat's message is not kept.
      const signalled = new Map<Finding, KafkaMessage>();
      for (const b of selected.batches) for (const f of b.findings) signalled.set(f, origin.get(f)!);
      const work: StepWork = {
        firstOffset: step[0]!.offset,
        lastOffset: step.at(-1)!.offset,
        messages: step.length,
        taken: findings.length,
        origin: signalled,
        deadMessages,
        dead,
        decodeDead: dead.length,
        decodeMs,
        slowestMessageMs,
        overBudget,
        repeats: selected.repeats,
        noIdentity,
        entries: selected.entries,
        started: t,
        delivery,
        ticket,
      };
      if (lanes) {
        const queued = lanes.push(
          ticket!,
          signalled.size,
          () => finishStep(deps, payload, work, log),
          (error) => rewind(deps, payload, tp, work.firstOffset, error),
        );
        if (!queued) break;
        // Past the next fetch: the step is the lane's now, and commits by the watermark.
        payload.resolveOffset(work.lastOffset);
        if (
          !(await withHeartbeats(
            payload,
            lanes.room(ticket!, () => !isRunning()),
            deps.heartbeatEveryMs,
          ))
        )
          break;
        continue;
      }
      inFlight.push(work);
      if (inFlight.length >= (deps.coalescer ? STEPS_IN_FLIGHT : 1)) {
        if (!(await finishStep(deps, payload, inFlight.shift()!, log))) return abandon(deps, tp);
      }
    }
    while (inFlight.length) {
      if (!(await finishStep(deps, payload, inFlight.shift()!, log))) return abandon(deps, tp);
    }
  } catch (error) {
    abandon(deps, tp);
    throw error;
  }
}

/** A step left uncommitted: what the memory learned from it (and from later steps) is not durable, so it goes. */
function abandon(deps: ConsumerDeps, tp: string): void {
  deps.digest?.memory.drop(tp);
}

/** A lane's step did not commit: forget what was learned and read the partition again from its watermark. */
function rewind(
  deps: ConsumerDeps,
  payload: EachBatchPayload,
  tp: string,
  from: string,
  error?: unknown,
): void {
  abandon(deps, tp);
  const { topic, partition } = payload.batch;
  deps.log?.('partition-rewound', {
    topic,
    partition,
    offset: from,
    ...(error ? { error: (error as Error).message ?? String(error) } : {}),
  });
  // A stop or a lost partition needs no rewind: whoever reads it next starts at the committed offset.
  if (!payload.isRunning() || payload.isStale()) return;
  try {
    deps.consumer.seek({ topic, partition, offset: from });
  } catch {
    // not running any more: the committed offset is where the next owner starts
  }
}

/**
 * Per identity, the findings its workflow does not hold yet (new, or changed in a field that matters); a finding
 * naming two identities is judged for each. Marks them held at once, so a later step does not send them again.
 */
export function selectChanges(
  memory: DigestMemory,
  tp: string,
  findings: Finding[],
  now = Date.now(),
): { batches: IdentityBatch[]; repeats: number; entries: DigestEntry[] } {
  const groups = new Map<string, IdentityBatch>();
  const entries: DigestEntry[] = [];
  let repeats = 0;
  for (const finding of findings) {
    let signalled = false;
    for (const identity of finding.identities) {
      const { verdict, entry } = memory.observe(tp, identity.key, finding, now);
      if (verdict === 'repeat') continue;
      signalled = true;
      if (entry) entries.push(entry);
      const group = groups.get(identity.key);
      if (group) group.findings.push(finding);
      else groups.set(identity.key, { identity, findings: [finding] });
    }
    if (!signalled) repeats++;
  }
  return { batches: [...groups.values()], repeats, entries };
}

/** Waits for a step's handoff, dead-letters what Temporal refused, records the digest, commits. */
async function finishStep(
  deps: ConsumerDeps,
  payload: EachBatchPayload,
  work: StepWork,
  log: NonNullable<ConsumerDeps['log']>,
): Promise<boolean> {
  const { batch } = payload;
  const { origin, dead, deadMessages } = work;
  const delivery = await work.delivery;
  if (delivery.stopped) return false; // the step's offsets stay unresolved: redelivered to whoever owns it next
  const handoffMs = elapsed(work.started);
  const rejectedFindings = new Set<Finding>();
  const tp = partitionKey(batch.topic, batch.partition);
  for (const r of delivery.rejected) {
    rejectedFindings.add(r.finding);
    deps.digest?.memory.forget(tp, r.identity.key, r.finding.id);
    const message = origin.get(r.finding)!;
    if (deadMessages.has(message)) continue;
    deadMessages.add(message);
    dead.push({
      topic: batch.topic,
      partition: batch.partition,
      message,
      reason: `temporal rejected the findings for ${r.identity.key.slice(0, 120)}: ${r.reason}`,
      format: r.finding.source.format,
    });
  }

  let t = process.hrtime.bigint();
  if (dead.length) {
    // Sent before the commit: a crash in between re-sends them (the DLQ is at-least-once too). In sends the
    // broker accepts: one send of many large dead letters would exceed its batch limit and fail every retry.
    const key = dlqKey();
    for (const messages of chunkForSend(dead.map((d) => toDlqMessage(d, new Date(), key))))
      await deps.producer.send({ topic: deps.dlqTopic ?? dlqTopic, acks: -1, messages });
    log('dlq', {
      count: dead.length,
      topic: batch.topic,
      partition: batch.partition,
      reasons: [...new Set(dead.map((d) => d.reason.slice(0, 120)))].slice(0, 3),
    });
  }
  const dlqMs = elapsed(t);
  await publishNoIdentity(deps, batch.topic, batch.partition, work.noIdentity, log);

  // Another member owns the partition now (or it was rewound): what it reads again is signalled again.
  if (work.ticket && deps.lanes && !deps.lanes.current(work.ticket)) return false;
  t = process.hrtime.bigint();
  // The digest after Temporal accepted and before the commit: a crash between the two re-signals this step only.
  if (deps.digest && work.entries.length) {
    const refused = new Set(delivery.rejected.map((r) => `${r.identity.key}\u0000${r.finding.id}`));
    await deps.digest.persist(
      work.entries.filter((e) => !('finding' in e) || !refused.has(`${e.identity}\u0000${e.finding}`)),
    );
  }
  const digestMs = elapsed(t);

  t = process.hrtime.bigint();
  if (work.ticket && deps.lanes && !deps.lanes.current(work.ticket)) return false;
  const last = work.lastOffset;
  // With lanes the fetch position was moved on when the step was queued (moving it back would re-fetch).
  if (!deps.lanes) payload.resolveOffset(last);
  await payload.commitOffsetsIfNecessary({
    topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: nextOffset(last) }] }],
  });
  const commitMs = elapsed(t);
  await payload.heartbeat();

  deps.observer?.step?.({
    topic: batch.topic,
    partition: batch.partition,
    messages: work.messages,
    findings: work.taken - rejectedFindings.size,
    signals: delivery.signals,
    repeats: work.repeats,
    noIdentity: work.noIdentity.length,
    deadLetters: { decode: work.decodeDead, temporal: dead.length - work.decodeDead },
    decodeMs: work.decodeMs,
    slowestMessageMs: work.slowestMessageMs,
    overBudget: work.overBudget,
    handoffMs,
    dlqMs,
    digestMs,
    commitMs,
  });
  return true;
}

/** Findings that named no identity, told before the commit (at-least-once; the event id dedups a re-read). */
async function publishNoIdentity(
  deps: ConsumerDeps,
  topic: string,
  partition: number,
  unnamed: StepWork['noIdentity'],
  log: NonNullable<ConsumerDeps['log']>,
): Promise<void> {
  if (!unnamed.length) return;
  const now = new Date();
  const events = unnamed.map(({ finding, message }) =>
    noIdentityEvent(finding, { topic, partition, offset: message.offset }, now),
  );
  for (const messages of chunkForSend(events.map(noIdentityMessage)))
    await deps.producer.send({ topic: deps.eventsTopic ?? topics.events, acks: -1, messages });
  log('no-identity', {
    count: events.length,
    topic,
    partition,
    formats: [...new Set(unnamed.map((u) => u.finding.source.format))],
    findingIds: events.slice(0, 5).flatMap((e) => e.findingIds),
  });
}

/** Heartbeats while a long wait (a digest restore) goes on, so the group does not give the partition away. */
async function withHeartbeats<T>(payload: EachBatchPayload, work: Promise<T>, everyMs = 1_000): Promise<T> {
  const ticker = setInterval(() => payload.heartbeat().catch(() => {}), everyMs);
  try {
    return await work;
  } finally {
    clearInterval(ticker);
  }
}

/** The signal to Temporal (or the test's), reporting each accepted signal to the observer. */
export function countedSignal(deps: ConsumerDeps): SignalFn {
  const send = deps.signal ?? temporalSignal(requireTemporal(deps), deps.taskQueue);
  return async (identity, findings) => {
    await send(identity, findings);
    deps.observer?.signalled?.(findings.length);
  };
}

function requireTemporal(deps: ConsumerDeps): Client {
  if (!deps.temporal)
    throw new Error('findings consumer: neither a Temporal client nor a signal function given');
  return deps.temporal;
}

/**
 * Delivers every identity's findings, retrying until done. Temporal away (or misconfigured) → pause the
 * partition, back off, heartbeat, try again: never drop, never skip ahead. A payload Temporal refuses for good
 * is halved until the one refused finding is isolated; that one comes back as rejected, the rest go through.
 */
async function deliver(
  deps: ConsumerDeps,
  payload: EachBatchPayload,
  signal: SignalFn,
  work: IdentityWork[],
  log: NonNullable<ConsumerDeps['log']>,
): Promise<Delivery> {
  const { batch } = payload;
  const backoff = deps.backoffMs ?? { initial: 250, max: 5_000 };
  const rejected: Array<{ finding: Finding; identity: IdentityRef; reason: string }> = [];
  let signals = 0;
  let delay = backoff.initial;
  let resume: (() => void) | undefined;
  let pausedAt = 0;
  let attempts = 0;
  let heartbeatError: unknown;
  const ticker = setInterval(() => {
    payload.heartbeat().catch((error) => {
      heartbeatError ??= error;
    });
  }, deps.heartbeatEveryMs ?? 1_000);
  // Two ways to stop: the partition went to another member (abandon the step at once: its new owner redelivers
  // it), or this process was asked to stop (finish the signals in flight and commit; only give up waiting on a
  // Temporal that is away, so SIGTERM still ends the process within the session timeout).
  const lost = () => payload.isStale() || heartbeatError !== undefined;
  const stopping = () => !payload.isRunning() || lost();
  let completed = false;
  try {
    for (let pending = work; ; ) {
      if (pending.length === 0) {
        completed = true;
        break;
      }
      if (stopping()) break;
      attempts++;
      // With a coalescer every identity is submitted at once: it bounds the signals in flight itself.
      const parallel = deps.coalescer ? Number.POSITIVE_INFINITY : undefined;
      const result = await untilStopped(handOff(signal, pending, parallel), lost);
      if (result === undefined) break;
      signals += result.signals;
      const retryNow: IdentityWork[] = [];
      const retryLater: IdentityWork[] = [];
      let cause: ClassifiedError | undefined;
      for (const failure of result.failures) {
        const classified = classifyHandoffError(failure.error);
        const [failed, ...rest] = failure.remaining;
        if (classified.class !== 'rejected') {
          cause ??= classified;
          retryLater.push({ identity: failure.identity, chunks: failure.remaining });
        } else if (failed!.length > 1) {
          const mid = Math.ceil(failed!.length / 2);
          retryNow.push({
            identity: failure.identity,
            chunks: [failed!.slice(0, mid), failed!.slice(mid), ...rest],
          });
        } else {
          rejected.push({ finding: failed![0]!, identity: failure.identity, reason: classified.message });
          if (rest.length) retryNow.push({ identity: failure.identity, chunks: rest });
        }
      }
      pending = [...retryNow, ...retryLater];
      if (!cause) continue;
      if (!resume) {
        resume = payload.pause();
        pausedAt = Date.now();
        deps.observer?.paused?.(batch.topic, batch.partition, true);
        log('partition-paused', { topic: batch.topic, partition: batch.partition, reason: cause.message });
      }
      deps.observer?.retry?.(cause.class);
      const wait = Math.round(delay * (0.8 + Math.random() * 0.4));
      log('handoff-retry', {
        topic: batch.topic,
        partition: batch.partition,
        class: cause.class,
        code: cause.code,
        error: cause.message,
        identities: retryLater.length,
        attempt: attempts,
        retryInMs: wait,
      });
      if (
        (await untilStopped(
          sleep(wait).then(() => true),
          stopping,
        )) === undefined
      )
        break;
      delay = Math.min(delay * 2, backoff.max);
    }
  } finally {
    clearInterval(ticker);
    if (resume) {
      resume();
      deps.observer?.paused?.(batch.topic, batch.partition, false);
      log('partition-resumed', {
        topic: batch.topic,
        partition: batch.partition,
        pausedMs: Date.now() - pausedAt,
      });
    }
  }
  // Delivered: the step is committed even if a stop was asked meanwhile ("finish, commit, leave").
  if (completed) return { stopped: false, signals, rejected };
  // A rebalance seen by our heartbeat: end the batch with kafkajs' error so it rejoins the group.
  if (heartbeatError !== undefined) throw heartbeatError;
  return { stopped: true };
}

/** The promise's value, or undefined as soon as `stopping()` holds (the promise is left to settle on its own). */
async function untilStopped<T>(
  promise: Promise<T>,
  stopping: () => boolean,
  pollMs = 200,
): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const stopped = new Promise<undefined>((resolve) => {
    timer = setInterval(() => stopping() && resolve(undefined), pollMs);
  });
  try {
    return await Promise.race([promise, stopped]);
  } finally {
    clearInterval(timer);
  }
}

export interface ConsumerRunOptions {
  /** Restart backoff after a crash kafkajs does not restart from itself: first and longest wait (1 s, 30 s). */
  restartMs?: { initial: number; max: number };
}

export interface RunningConsumer {
  /** The consumer is being stopped: a crash from now on is not restarted. */
  stopRestarting(): void;
}

export interface ChangeDetectionOptions {
  /** For the digest topic (restore reads it with a consumer of its own). */
  kafka: Kafka;
  /** Default: the pipeline's digest topic (infra/endpoints.ts). */
  digestTopic?: string;
  memory?: Partial<DigestMemoryOptions>;
  coalescing?: Partial<CoalescerOptions>;
  /** Reading decoupled from the handoff, with these caps (default on; false: a batch waits for its steps). */
  lanes?: Partial<LaneOptions> | false;
}

/** The digest and the coalescer for one consumer (what `nhi run` and the bench use). */
export function withChangeDetection(deps: ConsumerDeps, opts: ChangeDetectionOptions): ConsumerDeps {
  const memory = new DigestMemory(opts.memory);
  const digest = new DigestStore({
    kafka: opts.kafka,
    producer: deps.producer,
    topic: opts.digestTopic ?? topics.digest,
    memory,
    log: deps.log,
  });
  const coalescer = new Coalescer(countedSignal(deps), opts.coalescing);
  const lanes = opts.lanes === false ? undefined : new CommitLanes(opts.lanes);
  return { ...deps, digest, coalescer, ...(lanes ? { lanes } : {}) };
}

/**
 * Before the consumer leaves its group: takes no new steps and lets the queued ones finish and commit (within
 * `timeoutMs`; what is left is redelivered to the next owner). True if everything queued committed.
 */
export async function drainConsumer(deps: ConsumerDeps, timeoutMs = 20_000): Promise<boolean> {
  if (!deps.lanes) return true;
  // Paused, so kafkajs does not fetch again and again what the closed lanes refuse meanwhile.
  deps.consumer.pause((deps.topics ?? FINDINGS_TOPICS).map((topic) => ({ topic })));
  const drained = await deps.lanes.drain(timeoutMs);
  deps.log?.('consumer-drained', { complete: drained, ...deps.lanes.pending() });
  return drained;
}

/**
 * Runs the consumer until it is stopped. A crash never ends it: kafkajs restarts from retriable errors by itself
 * (restartOnFailure, runtime/pipeline.ts), and a crash it will not restart from (a non-retriable error, a bug) is
 * restarted here with backoff, from the last committed offset. Input cannot cause either: a message's every failure
 * is its dead letter (decode-message.ts, message-budget.ts, dlq.ts).
 */
export async function runFindingsConsumer(
  deps: ConsumerDeps,
  opts: ConsumerRunOptions = {},
): Promise<RunningConsumer> {
  const { consumer } = deps;
  const backoff = opts.restartMs ?? { initial: 1_000, max: 30_000 };
  let delay = backoff.initial;
  let stopped = false;
  let restartTimer: NodeJS.Timeout | undefined;
  const config = {
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: deps.partitionsConsumedConcurrently ?? 4,
    eachBatch: (payload: EachBatchPayload) => processBatch(deps, payload),
  };
  const restart = () => {
    restartTimer = undefined;
    if (stopped) return;
    deps.log?.('consumer-restart', { afterMs: delay });
    consumer
      .connect()
      .then(() => consumer.run(config))
      .catch((error: Error) => {
        deps.log?.('consumer-restart-failed', { error: error.message });
        schedule();
      });
  };
  const schedule = () => {
    if (stopped || restartTimer) return;
    restartTimer = setTimeout(restart, delay);
    delay = Math.min(delay * 2, backoff.max);
  };
  // A new assignment: what this member held may have moved on meanwhile; restore before the next step.
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    delay = backoff.initial;
    deps.lanes?.reset();
    deps.digest?.memory.dropAll();
    deps.log?.('group-joined', { memberId: payload.memberId, assignment: payload.memberAssignment });
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    deps.log?.('consumer-crash', { error: payload.error.message, restart: payload.restart || !stopped });
    if (!payload.restart) schedule();
  });
  await deps.digest?.ensureTopic();
  (deps.decoder ?? sharedDecoder()).warm();
  await consumer.connect();
  await consumer.subscribe({ topics: deps.topics ?? FINDINGS_TOPICS, fromBeginning: true });
  await consumer.run(config);
  return {
    stopRestarting: () => {
      stopped = true;
      clearTimeout(restartTimer);
    },
  };
}
