// Reading decoupled from the handoff: a batch ends once its steps are queued, each partition commits by its
// watermark (strictly in offset order, after Temporal accepted and the digest was written), a crash re-signals at
// most the uncommitted steps and loses nothing, a failed step rewinds its partition, a rebalance commits nothing
// more, and the caps hold the batch back.
import { describe, expect, it } from 'vitest';
import { notableTraffic } from '../../../bench/traffic.ts';
import { CommitLanes } from '../../../consumers/commit-lanes.ts';
import { DigestMemory } from '../../../consumers/digest-memory.ts';
import { DigestStore, parseEntry } from '../../../consumers/digest-store.ts';
import { drainConsumer, processBatch } from '../../../consumers/findings-consumer.ts';
import type { SignalFn } from '../../../consumers/handoff.ts';
import type { Finding } from '../../../schemas/finding.ts';
import { fakePayload, fakeProducer, kafkaMessage } from './fakes.ts';

const TOPIC = 'findings.siem';
const TP = `${TOPIC}:0`;
const DIGEST = 'digest';

const asMessages = (messages: ReturnType<typeof notableTraffic>['messages'], from = 0) =>
  messages.map((m, i) =>
    kafkaMessage(from + i, m.value as string, m.headers as Record<string, string>, m.key as string),
  );

/** A signal that holds every call until the test releases it (Temporal slower than Kafka). */
function heldSignal() {
  const calls: Array<{ identity: string; ids: string[]; release: () => void; fail: (e: Error) => void }> = [];
  const signal: SignalFn = (identity, findings) =>
    new Promise<void>((resolve, reject) => {
      calls.push({ identity: identity.key, ids: findings.map((f) => f.id), release: resolve, fail: reject });
    });
  return { signal, calls };
}

function store(memory = new DigestMemory(), producer = fakeProducer()) {
  memory.hold(TP);
  return {
    memory,
    producer,
    digest: new DigestStore({
      kafka: undefined as never,
      producer: producer.producer,
      topic: DIGEST,
      memory,
    }),
  };
}

const seeks: Array<{ topic: string; partition: number; offset: string }> = [];
const fakeConsumer = {
  seek: (s: { topic: string; partition: number; offset: string }) => seeks.push(s),
  pause: () => {},
} as never;

function deps(signal: SignalFn, s: ReturnType<typeof store>, lanes: CommitLanes, extra = {}) {
  return {
    consumer: fakeConsumer,
    producer: s.producer.producer,
    signal,
    digest: s.digest,
    lanes,
    dlqTopic: 'dlq',
    stepSize: 10,
    backoffMs: { initial: 5, max: 20 },
    heartbeatEveryMs: 5,
    ...extra,
  };
}

const settle = () => new Promise((r) => setTimeout(r, 20));
const until = async (ok: () => boolean, what: string, deadlineMs = 10_000) => {
  const end = Date.now() + deadlineMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await settle();
  }
};

describe('commit lanes', () => {
  it('the batch ends before Temporal accepts; commits follow in offset order as the signals are accepted', async () => {
    const traffic = notableTraffic(30, 30); // one identity per finding: one signal per finding
    const { signal, calls } = heldSignal();
    const s = store();
    const lanes = new CommitLanes();
    const fake = fakePayload(TOPIC, 0, asMessages(traffic.messages));
    await processBatch(deps(signal, s, lanes), fake.payload);
    // Read on: the fetch position moved past all three steps, nothing committed yet.
    expect(fake.resolved).toEqual(['9', '19', '29']);
    expect(fake.commits).toEqual([]);
    expect(calls.length).toBe(30);

    // The last step's signals accepted first: still nothing may commit (the watermark is below them).
    for (const c of calls.slice(20)) c.release();
    await settle();
    expect(fake.commits).toEqual([]);
    for (const c of calls.slice(0, 10)) c.release();
    await until(() => fake.commits.length === 1, 'the first commit');
    expect(fake.commits.map((c) => c.offset)).toEqual(['10']);
    for (const c of calls.slice(10, 20)) c.release();
    await until(() => fake.commits.length === 3, 'all commits');
    expect(fake.commits.map((c) => c.offset)).toEqual(['10', '20', '30']);
    expect(lanes.pending()).toEqual({ findings: 0, steps: 0 });
  });

  it('a crash re-signals only the uncommitted steps and loses nothing', async () => {
    const traffic = notableTraffic(30, 30);
    const first = heldSignal();
    const s = store();
    const lanes = new CommitLanes();
    const fake = fakePayload(TOPIC, 0, asMessages(traffic.messages));
    await processBatch(deps(first.signal, s, lanes), fake.payload);
    // Temporal accepts the first step and a part of the second; then the process dies.
    for (const c of first.calls.slice(0, 15)) c.release();
    await until(() => fake.commits.length === 1, 'the first commit');
    await settle();
    const committed = Number(fake.commits.at(-1)!.offset);
    expect(committed).toBe(10);

    // A new process: the digest restored from what was written to its topic, reading from the committed offset.
    const restored = new DigestMemory();
    for (const sent of s.producer.sent.filter((x) => x.topic === DIGEST))
      for (const m of sent.messages) restored.apply(parseEntry(String(m.key), String(m.value))!);
    const again: string[] = [];
    const second = store(restored);
    const signal: SignalFn = async (_identity, findings: Finding[]) => {
      again.push(...findings.map((f) => f.id));
    };
    const redelivered = fakePayload(TOPIC, 0, asMessages(traffic.messages.slice(committed), committed));
    await processBatch(deps(signal, second, new CommitLanes()), redelivered.payload);
    await until(() => redelivered.commits.at(-1)?.offset === '30', 'the redelivered steps to commit');

    // Re-signalled: exactly the uncommitted part (steps 2 and 3), nothing of the committed step.
    expect(again.length).toBe(20);
    const everything = new Set([...first.calls.slice(0, 15).flatMap((c) => c.ids), ...again]);
    const expectedIds = [...traffic.expected.values()].flatMap((set) => [...set]);
    for (const id of expectedIds) expect(everything.has(id)).toBe(true);
  });

  it('a step that cannot finish rewinds its partition to the watermark; later steps do not commit', async () => {
    seeks.length = 0;
    const traffic = notableTraffic(30, 30);
    const { signal, calls } = heldSignal();
    const s = store();
    const lanes = new CommitLanes();
    let digestWrites = 0;
    s.producer.producer.send = (async () => {
      if (++digestWrites === 2) throw new Error('broker away');
      return [];
    }) as never;
    const fake = fakePayload(TOPIC, 0, asMessages(traffic.messages));
    await processBatch(deps(signal, s, lanes), fake.payload);
    for (const c of calls) c.release();
    await until(() => seeks.length === 1, 'the rewind');
    await settle();
    expect(fake.commits.map((c) => c.offset)).toEqual(['10']);
    expect(seeks).toEqual([{ topic: TOPIC, partition: 0, offset: '10' }]);
    // What the memory learned past the watermark is gone: the partition is restored before its next step.
    expect(s.memory.has(TP)).toBe(false);
    expect(lanes.pending()).toEqual({ findings: 0, steps: 0 });
  });

  it('after a rebalance nothing queued before it commits', async () => {
    const traffic = notableTraffic(20, 20);
    const { signal, calls } = heldSignal();
    const s = store();
    const lanes = new CommitLanes();
    const fake = fakePayload(TOPIC, 0, asMessages(traffic.messages));
    await processBatch(deps(signal, s, lanes), fake.payload);
    lanes.reset();
    for (const c of calls) c.release();
    await until(() => lanes.pending().steps === 0, 'the queued steps to end');
    expect(fake.commits).toEqual([]);
  });

  it('holds the batch back at its cap on findings waiting for Temporal', async () => {
    const traffic = notableTraffic(30, 30);
    const { signal, calls } = heldSignal();
    const s = store();
    const lanes = new CommitLanes({ maxPendingFindings: 10 });
    const fake = fakePayload(TOPIC, 0, asMessages(traffic.messages));
    let ended = false;
    const batch = processBatch(deps(signal, s, lanes), fake.payload).then(() => {
      ended = true;
    });
    await until(() => calls.length === 10, 'the first step');
    await settle();
    expect(ended).toBe(false);
    expect(fake.resolved).toEqual(['9']);
    expect(calls.length).toBe(10); // the next step is not read while the first waits for Temporal
    for (const c of calls.slice(0, 10)) c.release();
    await until(() => calls.length === 20, 'the second step');
    for (const c of calls.slice(10, 20)) c.release();
    await until(() => calls.length === 30, 'the third step');
    for (const c of calls.slice(20)) c.release();
    await batch;
    await until(() => fake.commits.length === 3, 'all commits');
  });

  it('a stop drains: queued steps finish and commit, nothing new is taken', async () => {
    const traffic = notableTraffic(20, 20);
    const { signal, calls } = heldSignal();
    const s = store();
    const lanes = new CommitLanes();
    const d = deps(signal, s, lanes);
    const fake = fakePayload(TOPIC, 0, asMessages(traffic.messages));
    await processBatch(d, fake.payload);
    const draining = drainConsumer(d, 10_000);
    const later = fakePayload(TOPIC, 0, asMessages(notableTraffic(5, 5).messages, 20));
    await processBatch(d, later.payload);
    expect(later.resolved).toEqual([]);
    for (const c of calls) c.release();
    expect(await draining).toBe(true);
    expect(fake.commits.map((c) => c.offset)).toEqual(['10', '20']);
  });
});
