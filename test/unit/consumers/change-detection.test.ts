// Change detection before Temporal: repeats are counted and committed without a signal, changes and new findings
// are signalled, the digest is written before the commit, activity is summarised, memory stays bounded, and an
// identity's findings from several steps share one signal.
import { describe, expect, it } from 'vitest';
import { changedNotable, notableTraffic } from '../../../bench/traffic.ts';
import { Coalescer } from '../../../consumers/coalescer.ts';
import { decodeMessage } from '../../../consumers/decode-message.ts';
import { DigestMemory } from '../../../consumers/digest-memory.ts';
import { DigestStore, entryKey, entryValue, parseEntry } from '../../../consumers/digest-store.ts';
import { processBatch, type StepStats } from '../../../consumers/findings-consumer.ts';
import type { SignalFn } from '../../../consumers/handoff.ts';
import type { Finding } from '../../../schemas/finding.ts';
import { fakePayload, fakeProducer, kafkaMessage } from './fakes.ts';

const TOPIC = 'findings.siem';
const DIGEST = 'digest';

function recordingSignal() {
  const calls: Array<{ identity: string; ids: string[] }> = [];
  const signal: SignalFn = async (identity, findings) => {
    calls.push({ identity: identity.key, ids: findings.map((f) => f.id) });
  };
  return { signal, calls };
}

/** A digest store whose partitions are already held (nothing to restore), writing to a fake producer. */
function heldStore(producer = fakeProducer()) {
  const memory = new DigestMemory();
  memory.hold(`${TOPIC}:0`);
  const store = new DigestStore({
    kafka: undefined as never,
    producer: producer.producer,
    topic: DIGEST,
    memory,
  });
  return { store, memory, producer };
}

const asMessages = (messages: ReturnType<typeof notableTraffic>['messages'], from = 0) =>
  messages.map((m, i) =>
    kafkaMessage(from + i, m.value as string, m.headers as Record<string, string>, m.key as string),
  );

function run(
  signal: SignalFn,
  store: DigestStore,
  producer: ReturnType<typeof fakeProducer>,
  stats: StepStats[],
) {
  return {
    consumer: undefined as never,
    producer: producer.producer,
    signal,
    digest: store,
    dlqTopic: 'dlq',
    backoffMs: { initial: 5, max: 20 },
    heartbeatEveryMs: 5,
    observer: { step: (s: StepStats) => stats.push(s) },
  };
}

describe('change detection in the consumer', () => {
  it('signals new findings once; repeats with only volatile fields changed are counted and committed, not signalled', async () => {
    const traffic = notableTraffic(300, 20, undefined, { repeatRatio: 0.6 });
    const { signal, calls } = recordingSignal();
    const producer = fakeProducer();
    const { store } = heldStore(producer);
    const stats: StepStats[] = [];
    const fake = fakePayload(TOPIC, 0, asMessages(traffic.messages));
    await processBatch({ ...run(signal, store, producer, stats), stepSize: 50 }, fake.payload);

    const signalled = calls.flatMap((c) => c.ids);
    expect(signalled.length).toBe(traffic.distinct);
    expect(new Set(signalled).size).toBe(traffic.distinct);
    for (const [key, ids] of traffic.expected)
      expect(new Set(calls.filter((c) => c.identity === key).flatMap((c) => c.ids))).toEqual(ids);
    expect(stats.reduce((n, s) => n + s.repeats, 0)).toBe(300 - traffic.distinct);
    expect(fake.commits.at(-1)).toEqual({ topic: TOPIC, partition: 0, offset: '300' });

    // Sent again (a redelivery, or the tool re-sending everything): nothing new, no signal, all committed.
    const again = fakePayload(TOPIC, 0, asMessages(traffic.messages, 300));
    const before = calls.length;
    await processBatch({ ...run(signal, store, producer, stats), stepSize: 50 }, again.payload);
    expect(calls.length).toBe(before);
    expect(again.commits.at(-1)?.offset).toBe('600');
  });

  it('writes what Temporal accepted to the digest topic before the step commits', async () => {
    const traffic = notableTraffic(10, 10);
    const order: string[] = [];
    const producer = fakeProducer();
    const send = producer.producer.send.bind(producer.producer);
    producer.producer.send = (async (record: { topic: string; messages: unknown[] }) => {
      order.push(`send ${record.topic} ${record.messages.length}`);
      return send(record as never);
    }) as never;
    const { store } = heldStore(producer);
    const signal: SignalFn = async () => {
      order.push('signal');
    };
    const fake = fakePayload(TOPIC, 0, asMessages(traffic.messages));
    const payload = {
      ...fake.payload,
      commitOffsetsIfNecessary: async (o: never) => {
        order.push('commit');
        return fake.payload.commitOffsetsIfNecessary(o);
      },
    };
    await processBatch(run(signal, store, producer, []), payload as never);
    expect(order.slice(-2)).toEqual([`send ${DIGEST} 10`, 'commit']);
    expect(order.filter((o) => o === 'signal').length).toBe(10);
    const entries = producer.sent.flatMap((s) => s.messages);
    const parsed = entries.map((m) => parseEntry(String(m.key), String(m.value)));
    expect(parsed.every((e) => e && 'finding' in e && e.partition === `${TOPIC}:0`)).toBe(true);
  });

  it('signals a finding again when a field that matters changes', async () => {
    const traffic = notableTraffic(5, 5);
    const { signal, calls } = recordingSignal();
    const producer = fakeProducer();
    const { store } = heldStore(producer);
    await processBatch(
      run(signal, store, producer, []),
      fakePayload(TOPIC, 0, asMessages(traffic.messages)).payload,
    );
    const changed = changedNotable(traffic.messages[2]!, 'credential stuffing');
    const stats: StepStats[] = [];
    await processBatch(
      run(signal, store, producer, stats),
      fakePayload(TOPIC, 0, asMessages([traffic.messages[2]!, changed], 5)).payload,
    );
    expect(calls.length).toBe(6);
    expect(calls.at(-1)!.ids).toEqual(calls[2]!.ids); // the same finding id, signalled again because it changed
    expect(stats[0]!.repeats).toBe(1);
  });
});

describe('digest memory', () => {
  const finding = (over: Partial<Finding> = {}): Finding => ({ ...baseFinding(), ...over });

  it('ignores volatile fields (time, counts, last-seen) and sees status, severity and verification', () => {
    const m = new DigestMemory();
    const f = finding();
    expect(m.observe('p', 'id', f, 0).verdict).toBe('new');
    expect(m.observe('p', 'id', { ...f, time: '2030-01-01T00:00:00Z' }, 0).verdict).toBe('repeat');
    expect(
      m.observe('p', 'id', { ...f, evidence: { ...f.evidence, count: 99, lastSeen: 'x' } }, 0).verdict,
    ).toBe('repeat');
    expect(m.observe('p', 'id', { ...f, status: 'resolved' }, 0).verdict).toBe('changed');
    expect(m.observe('p', 'id', { ...f, status: 'resolved' }, 0).verdict).toBe('repeat');
    expect(
      m.observe('p', 'id', { ...f, status: 'resolved', severity: { label: 'critical', score: 95 } }, 0)
        .verdict,
    ).toBe('changed');
    // Another identity, or another partition, has its own view.
    expect(m.observe('p', 'other', f, 0).verdict).toBe('new');
    expect(m.observe('q', 'id', f, 0).verdict).toBe('new');
  });

  it('summarises activity: a new network or region at once, otherwise at most once per interval', () => {
    const m = new DigestMemory({ activityIntervalMs: 60_000 });
    const use = (ip: string, region: string, id: string): Finding =>
      finding({
        id,
        kind: 'activity',
        evidence: { sourceIPAddress: ip },
        cloud: { provider: 'aws', region },
      });
    const idHex = (n: number) => `f_${n.toString(16).padStart(32, '0')}`;
    expect(m.observe('p', 'k', use('198.51.100.7', 'us-east-1', idHex(1)), 0).verdict).toBe('new');
    expect(m.observe('p', 'k', use('198.51.100.9', 'us-east-1', idHex(2)), 1_000).verdict).toBe('repeat');
    expect(m.observe('p', 'k', use('192.0.2.1', 'us-east-1', idHex(3)), 2_000).verdict).toBe('changed');
    expect(m.observe('p', 'k', use('192.0.2.1', 'eu-west-1', idHex(4)), 3_000).verdict).toBe('changed');
    expect(m.observe('p', 'k', use('192.0.2.1', 'eu-west-1', idHex(5)), 4_000).verdict).toBe('repeat');
    expect(m.observe('p', 'k', use('192.0.2.1', 'eu-west-1', idHex(6)), 64_000).verdict).toBe('changed');
    // One summary per identity, however many uses: activity does not grow the digest.
    expect(m.entries('p')).toBe(1);
  });

  it('stays under its cap per partition by forgetting the least recently used identities', () => {
    const m = new DigestMemory({ capPerPartition: 100 });
    for (let i = 0; i < 1_000; i++)
      m.observe('p', `identity-${i % 50}`, finding({ id: `f_${i.toString(16).padStart(32, '0')}` }), 0);
    expect(m.entries('p')).toBeLessThanOrEqual(100);
    expect(m.evicted).toBeGreaterThan(0);
    // What fell out is simply new again (signalled; the workflow drops what it has).
    expect(m.observe('p', 'identity-0', finding({ id: `f_${'0'.repeat(32)}` }), 0).verdict).toBe('new');
  });

  it('entries round-trip through the topic encoding', () => {
    const m = new DigestMemory();
    const { entry } = m.observe('findings.siem:3', 'arn:aws:iam::123456789012:user/ci', finding(), 0);
    expect(parseEntry(entryKey(entry!), entryValue(entry!))).toEqual(entry);
    const restored = new DigestMemory();
    restored.apply(entry!);
    expect(
      restored.observe('findings.siem:3', 'arn:aws:iam::123456789012:user/ci', finding(), 0).verdict,
    ).toBe('repeat');
  });
});

describe('coalescer', () => {
  it("puts an identity's findings from several submissions within the window into one signal, in order", async () => {
    const { signal, calls } = recordingSignal();
    const c = new Coalescer(signal, { windowMs: 30 });
    const fs = Array.from({ length: 6 }, (_, i) => baseFinding(`f_${i.toString(16).padStart(32, '0')}`));
    const identity = fs[0]!.identities[0]!;
    await Promise.all([
      c.signal(identity, fs.slice(0, 2)),
      c.signal(identity, fs.slice(2, 4)),
      c.signal(identity, fs.slice(4)),
    ]);
    expect(calls).toEqual([{ identity: identity.key, ids: fs.map((f) => f.id) }]);
  });

  it("splits at the cap and keeps one identity's signals in order", async () => {
    const { signal, calls } = recordingSignal();
    const c = new Coalescer(signal, { windowMs: 10, maxFindings: 4 });
    const fs = Array.from({ length: 10 }, (_, i) => baseFinding(`f_${i.toString(16).padStart(32, '0')}`));
    await c.signal(fs[0]!.identities[0]!, fs);
    expect(calls.map((c) => c.ids.length)).toEqual([4, 4, 2]);
    expect(calls.flatMap((c) => c.ids)).toEqual(fs.map((f) => f.id));
  });

  it('sends a leaked-credential finding at once, without waiting for the window', async () => {
    const { signal, calls } = recordingSignal();
    const c = new Coalescer(signal, { windowMs: 60_000 });
    const leak = { ...baseFinding(), kind: 'exposed-secret' as const };
    await c.signal(leak.identities[0]!, [leak]); // would hang for a minute if it waited for the window
    expect(calls).toHaveLength(1);
  });

  it('a leaked-credential finding overtakes batches of other identities waiting for a slot, not its own', async () => {
    const sent: string[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const c = new Coalescer(
      async (identity, findings) => {
        sent.push(`${identity.key}:${findings.map((f) => f.id.slice(-1)).join('')}`);
        await gate;
      },
      { windowMs: 60_000, maxFindings: 1, parallel: 1 },
    );
    const ref = (key: string) => ({ ...baseFinding().identities[0]!, key });
    const f = (n: number, kind: Finding['kind'] = 'anomalous-use') => ({
      ...baseFinding(`f_${n.toString(16).padStart(32, '0')}`),
      kind,
    });
    const all = [
      c.signal(ref('a'), [f(1), f(2)]), // a:1 (sealed by the cap of 1) takes the only slot; a:2 stays open
      c.signal(ref('b'), [f(3), f(4)]), // b:3 queued; b:4 open
      c.signal(ref('c'), [f(5), f(6)]), // c:5 queued; c:6 open
      c.signal(ref('c'), [f(7, 'exposed-secret')]), // c:6 sealed and queued; urgent c:7 ahead of b, after c's own
    ];
    await new Promise((r) => setTimeout(r, 20));
    release();
    await Promise.race([Promise.all(all), new Promise((r) => setTimeout(r, 200))]);
    expect(sent.slice(0, 5)).toEqual(['a:1', 'c:5', 'c:6', 'c:7', 'b:3']);
  });

  it('tells every submitter when the signal carrying its findings failed', async () => {
    const c = new Coalescer(
      async () => {
        throw new Error('unavailable');
      },
      { windowMs: 5 },
    );
    const f = baseFinding();
    await expect(c.signal(f.identities[0]!, [f])).rejects.toThrow('unavailable');
  });
});

const sample = (() => {
  const m = notableTraffic(1, 1).messages[0]!;
  const decoded = decodeMessage(Buffer.from(String(m.value)), 'splunk-notable', 'test-key');
  if (!decoded.ok) throw new Error(decoded.reason);
  return decoded.findings[0]!;
})();

function baseFinding(id = `f_${'a'.repeat(32)}`): Finding {
  return { ...sample, id };
}
