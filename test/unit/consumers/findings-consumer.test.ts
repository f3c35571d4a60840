// processBatch against kafkajs' eachBatch contract, with Temporal faked: what is resolved and committed when,
// what is paused, what goes to the DLQ, and that nothing is ever skipped.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { notableTraffic } from '../../../bench/traffic.ts';
import { processBatch } from '../../../consumers/findings-consumer.ts';
import type { SignalFn } from '../../../consumers/handoff.ts';
import { MessageDecoder } from '../../../consumers/message-budget.ts';
import type { Finding } from '../../../schemas/finding.ts';
import { fakePayload, fakeProducer, kafkaMessage } from './fakes.ts';

const TOPIC = 'findings.siem';

function trafficMessages(count: number, identities: number) {
  const traffic = notableTraffic(count, identities);
  const messages = traffic.messages.map((m, i) =>
    kafkaMessage(i, m.value as string, m.headers as Record<string, string>, m.key as string),
  );
  return { traffic, messages };
}

/** Records every delivered finding per identity; `fail` decides per call whether to throw. */
function recordingSignal(
  fail: (identity: string, findings: Finding[], call: number) => unknown = () => undefined,
) {
  const delivered = new Map<string, string[]>();
  let calls = 0;
  const signal: SignalFn = async (identity, findings) => {
    const error = fail(identity.key, findings, calls++);
    if (error) throw error;
    delivered.set(identity.key, [...(delivered.get(identity.key) ?? []), ...findings.map((f) => f.id)]);
  };
  return { signal, delivered, calls: () => calls };
}

const grpcError = (code: number, details: string) =>
  Object.assign(new Error('Failed to signalWithStart Workflow'), {
    cause: Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} }),
  });

// Every message decoded inline (no threads to start on a loaded machine): threads are message-budget.test.ts's.
const inline = new MessageDecoder({ inlineBytes: 16 * 1024 * 1024 });

const deps = (signal: SignalFn, producer = fakeProducer().producer, extra = {}) => ({
  decoder: inline,
  consumer: undefined as never,
  producer,
  signal,
  dlqTopic: 'dlq',
  backoffMs: { initial: 5, max: 20 },
  heartbeatEveryMs: 5,
  ...extra,
});

describe('processBatch', () => {
  it('hands every finding to its identity, then commits the next offset explicitly', async () => {
    const { traffic, messages } = trafficMessages(60, 7);
    const { signal, delivered } = recordingSignal();
    const fake = fakePayload(TOPIC, 0, messages);
    await processBatch(deps(signal), fake.payload);
    expect(delivered.size).toBe(7);
    for (const [key, ids] of traffic.expected) expect(new Set(delivered.get(key))).toEqual(ids);
    expect(fake.resolved).toEqual(['59']);
    // kafkajs commits nothing on commitOffsetsIfNecessary() with autoCommit off: the offset must be passed.
    expect(fake.commits).toEqual([{ topic: TOPIC, partition: 0, offset: '60' }]);
    expect(fake.pauses).toBe(0);
  });

  it('works a large batch in steps, committing after each', async () => {
    const { messages } = trafficMessages(5, 2);
    const { signal } = recordingSignal();
    const fake = fakePayload(TOPIC, 3, messages);
    await processBatch(deps(signal, undefined, { stepSize: 2 }), fake.payload);
    expect(fake.commits.map((c) => c.offset)).toEqual(['2', '4', '5']);
    expect(fake.commits.every((c) => c.partition === 3)).toBe(true);
  });

  it('dead-letters unusable messages with the reason and still delivers the good ones', async () => {
    const { messages } = trafficMessages(3, 3);
    const bad = [
      kafkaMessage(3, '{not json'),
      kafkaMessage(4, null),
      kafkaMessage(5, '{"a":1}', { format: 'no-such-format' }),
    ];
    const { signal, delivered } = recordingSignal();
    const { producer, sent } = fakeProducer();
    const fake = fakePayload(TOPIC, 1, [...messages, ...bad]);
    await processBatch(deps(signal, producer), fake.payload);
    expect(delivered.size).toBe(3);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.topic).toBe('dlq');
    const headers = sent[0]!.messages.map((m) => m.headers as Record<string, string>);
    expect(headers.map((h) => h['source-offset'])).toEqual(['3', '4', '5']);
    expect(headers[1]!.reason).toBe('empty message');
    expect(headers[2]!.reason).toMatch(/unknown format header/);
    expect(fake.commits).toEqual([{ topic: TOPIC, partition: 1, offset: '6' }]);
  });

  it('the poison message of issue #22 (a record 6,000 levels deep) is dead-lettered, the partition goes on', async () => {
    const { messages } = trafficMessages(2, 2);
    const deep = `{"RuleID":${'{"a":'.repeat(6_000)}1${'}'.repeat(6_000)}}`;
    const poison = kafkaMessage(2, `${messages[0]!.value!.toString()}\n${deep}`);
    const proto = kafkaMessage(3, '{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}');
    const after = kafkaMessage(4, messages[1]!.value!.toString());
    const { signal, delivered } = recordingSignal();
    const { producer, sent } = fakeProducer();
    const fake = fakePayload(TOPIC, 0, [...messages, poison, proto, after]);
    await processBatch(deps(signal, producer), fake.payload);
    expect(delivered.size).toBe(2);
    const headers = sent.flatMap((s) => s.messages).map((m) => m.headers as Record<string, string>);
    expect(headers.map((h) => [h['source-offset'], h.reason])).toEqual([
      ['2', 'record 0 of line 2: nested deeper than the limit of 64 levels (policy limits.nestingDepth)'],
      ['3', expect.stringMatching(/unknown input shape/)],
    ]);
    expect(fake.commits).toEqual([{ topic: TOPIC, partition: 0, offset: '5' }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a message with good records and a bad one: the good findings go on, the bad record is dead-lettered alone', async () => {
    const { messages } = trafficMessages(2, 2);
    const lines = [messages[0]!.value!.toString(), '{}', messages[1]!.value!.toString()].join('\n');
    const { signal, delivered } = recordingSignal();
    const { producer, sent } = fakeProducer();
    const fake = fakePayload(TOPIC, 0, [kafkaMessage(0, lines, { format: 'splunk-notable' }, 'k')]);
    await processBatch(deps(signal, producer), fake.payload);
    expect([...delivered.values()].flat()).toHaveLength(2);
    expect(sent.flatMap((s) => s.messages)).toHaveLength(1);
    const dl = sent[0]!.messages[0]!;
    expect(dl.value?.toString()).toBe('{}');
    expect(dl.headers).toMatchObject({ 'record-line': '2', 'record-index': '0', format: 'splunk-notable' });
    expect(String((dl.headers as Record<string, string>).reason)).toMatch(/^record 0 of line 2: /);
    expect(fake.commits).toEqual([{ topic: TOPIC, partition: 0, offset: '1' }]);
  });

  it('many large dead letters in one step go in several sends, then the step is committed', async () => {
    // 12 unreadable values of 200 KiB (kept: not secrets, under the 256 KiB cap) = 2.4 MB of dead letters.
    const bad = Array.from({ length: 12 }, (_, i) => kafkaMessage(i, `{${'x'.repeat(200 * 1024)}`));
    const { signal } = recordingSignal();
    const { producer, sent } = fakeProducer();
    const fake = fakePayload(TOPIC, 0, bad);
    await processBatch(deps(signal, producer), fake.payload);
    expect(sent.length).toBeGreaterThan(1);
    expect(sent.flatMap((s) => s.messages)).toHaveLength(12);
    for (const s of sent)
      expect(s.messages.reduce((n, m) => n + (m.value?.length ?? 0), 0)).toBeLessThan(1024 * 1024);
    expect(fake.commits).toEqual([{ topic: TOPIC, partition: 0, offset: '12' }]);
  });

  it('Temporal away: pauses the partition, retries without committing, resumes when it is back; nothing lost', async () => {
    const { traffic, messages } = trafficMessages(40, 5);
    let outage = 25; // the first 25 signal attempts fail as if Temporal were down
    const { signal, delivered } = recordingSignal(() =>
      outage-- > 0 ? grpcError(14, 'Connection refused') : undefined,
    );
    const retries: string[] = [];
    const pausedEvents: boolean[] = [];
    const fake = fakePayload(TOPIC, 0, messages);
    const committedDuringOutage: number[] = [];
    const observer = {
      retry: (c: string) => {
        retries.push(c);
        committedDuringOutage.push(fake.commits.length);
      },
      paused: (_t: string, _p: number, p: boolean) => pausedEvents.push(p),
    };
    await processBatch(deps(signal, undefined, { observer }), fake.payload);
    expect(retries.length).toBeGreaterThan(0);
    expect(new Set(retries)).toEqual(new Set(['unavailable']));
    expect(committedDuringOutage.every((n) => n === 0)).toBe(true);
    expect(fake.pauses).toBe(1);
    expect(fake.resumes).toBe(1);
    expect(pausedEvents).toEqual([true, false]);
    expect(fake.heartbeats).toBeGreaterThan(0);
    for (const [key, ids] of traffic.expected) {
      // Each identity's findings arrive exactly once: a failed identity is retried, a delivered one is not.
      expect(delivered.get(key)!.length).toBe(ids.size);
      expect(new Set(delivered.get(key))).toEqual(ids);
    }
    expect(fake.commits).toEqual([{ topic: TOPIC, partition: 0, offset: '40' }]);
  });

  it('a stop during an outage leaves the step unresolved and uncommitted (redelivered), partition resumed', async () => {
    const { messages } = trafficMessages(10, 2);
    const { signal } = recordingSignal(() => grpcError(14, 'Connection refused'));
    const fake = fakePayload(TOPIC, 0, messages);
    setTimeout(() => fake.stop(), 100);
    await processBatch(deps(signal), fake.payload);
    expect(fake.resolved).toEqual([]);
    expect(fake.commits).toEqual([]);
    expect(fake.resumes).toBe(fake.pauses);
  });

  it('misconfiguration (permission denied) is waited out, never dead-lettered', async () => {
    const { messages } = trafficMessages(4, 1);
    let failures = 3;
    const { signal } = recordingSignal(() =>
      failures-- > 0 ? grpcError(7, 'Request unauthorized.') : undefined,
    );
    const { producer, sent } = fakeProducer();
    const retries: string[] = [];
    const fake = fakePayload(TOPIC, 0, messages);
    await processBatch(
      deps(signal, producer, { observer: { retry: (c: string) => retries.push(c) } }),
      fake.payload,
    );
    expect(retries).toEqual(['config', 'config', 'config']);
    expect(sent).toEqual([]);
    expect(fake.commits).toHaveLength(1);
  });

  it('a payload Temporal refuses for good is split down to the refused finding, whose message is dead-lettered', async () => {
    const { traffic, messages } = trafficMessages(30, 3);
    const [victimKey, victimIds] = [...traffic.expected][0]!;
    const poison = [...victimIds][1]!; // one finding of one identity is refused
    const { signal, delivered } = recordingSignal((_key, findings) =>
      findings.some((f) => f.id === poison) ? grpcError(3, 'Blob data size exceeds limit.') : undefined,
    );
    const { producer, sent } = fakeProducer();
    const fake = fakePayload(TOPIC, 0, messages);
    await processBatch(deps(signal, producer), fake.payload);
    expect(new Set(delivered.get(victimKey))).toEqual(new Set([...victimIds].filter((id) => id !== poison)));
    for (const [key, ids] of traffic.expected)
      if (key !== victimKey) expect(new Set(delivered.get(key))).toEqual(ids);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.messages).toHaveLength(1);
    const headers = sent[0]!.messages[0]!.headers as Record<string, string>;
    expect(headers.reason).toMatch(
      /^temporal rejected the findings for arn:aws:iam::.*Blob data size exceeds limit/,
    );
    expect(fake.commits).toEqual([{ topic: TOPIC, partition: 0, offset: '30' }]);
  });

  it('an identity whose workflow id Temporal refuses does not stall the partition', async () => {
    const { traffic, messages } = trafficMessages(12, 3);
    const [victimKey, victimIds] = [...traffic.expected][2]!;
    const { signal, delivered } = recordingSignal((key) =>
      key === victimKey ? grpcError(3, 'WorkflowId length exceeds limit.') : undefined,
    );
    const { producer, sent } = fakeProducer();
    const fake = fakePayload(TOPIC, 0, messages);
    await processBatch(deps(signal, producer), fake.payload);
    expect(delivered.has(victimKey)).toBe(false);
    expect(delivered.size).toBe(2);
    expect(sent[0]!.messages).toHaveLength(victimIds.size);
    expect(fake.commits).toHaveLength(1);
  });

  it('a Sentinel incident with no entities is counted, logged and published as ingest.no-identity, not dropped', async () => {
    const incident = readFileSync('test/fixtures/sentinel/incident-rest-get.json', 'utf8');
    const { messages } = trafficMessages(2, 2);
    const { signal, delivered } = recordingSignal();
    const { producer, sent } = fakeProducer();
    const logged: Array<[string, Record<string, unknown> | undefined]> = [];
    const steps: Array<{ noIdentity: number; findings: number; repeats: number }> = [];
    const fake = fakePayload(TOPIC, 0, [...messages, kafkaMessage(2, incident, { format: 'sentinel' })]);
    await processBatch(
      deps(signal, producer, {
        eventsTopic: 'events',
        log: (event: string, fields?: Record<string, unknown>) => logged.push([event, fields]),
        observer: { step: (s: { noIdentity: number; findings: number; repeats: number }) => steps.push(s) },
      }),
      fake.payload,
    );
    expect(delivered.size).toBe(2);
    expect(sent.map((s) => s.topic)).toEqual(['events']);
    const event = JSON.parse(String(sent[0]!.messages[0]!.value));
    expect(event).toMatchObject({
      type: 'ingest.no-identity',
      identityKey: '',
      eventId: `${TOPIC}/0/2/${event.findingIds[0]}`,
      detail: { format: 'sentinel', source: { topic: TOPIC, partition: 0, offset: '2' } },
    });
    // Ids and positions only: none of the incident's free text (title, owner) travels in the event.
    expect(String(sent[0]!.messages[0]!.value)).not.toMatch(/analyst@contoso|SOC Analyst/);
    expect(logged.filter(([e]) => e === 'no-identity')).toEqual([
      ['no-identity', expect.objectContaining({ count: 1, formats: ['sentinel'] })],
    ]);
    expect(steps).toEqual([expect.objectContaining({ noIdentity: 1, findings: 2, repeats: 0 })]);
    expect(fake.commits).toEqual([{ topic: TOPIC, partition: 0, offset: '3' }]);
  });

  it('reports each step to the observer', async () => {
    const { messages } = trafficMessages(10, 4);
    const { signal } = recordingSignal();
    const steps: unknown[] = [];
    const fake = fakePayload(TOPIC, 2, [...messages, kafkaMessage(10, '')]);
    await processBatch(
      deps(signal, undefined, { observer: { step: (s: unknown) => steps.push(s) } }),
      fake.payload,
    );
    expect(steps).toEqual([
      expect.objectContaining({
        topic: TOPIC,
        partition: 2,
        messages: 11,
        findings: 10,
        signals: 4,
        deadLetters: { decode: 1, temporal: 0 },
      }),
    ]);
  });
});
