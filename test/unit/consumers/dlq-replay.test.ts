// A dead letter read back: its view for `nhi dlq list`, the --since filter, and the message `nhi dlq replay` sends
// (original key, timestamp and headers, a sealed value opened) or why it is skipped.
import type { KafkaMessage, Message } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { notableTraffic } from '../../../bench/traffic.ts';
import { messageLimits } from '../../../consumers/decode-message.ts';
import { toDlqMessage } from '../../../consumers/dlq.ts';
import { deadLettersSince, replayOf, viewOf } from '../../../consumers/dlq-replay.ts';
import {
  isReplayRecord,
  latestReplays,
  replayOfLetter,
  replayRecordMessage,
} from '../../../consumers/dlq-replay-record.ts';
import { dlqKey } from '../../../consumers/dlq-seal.ts';
import { MessageLimitsPolicy } from '../../../schemas/policy.ts';
import { kafkaMessage } from './fakes.ts';

const KEY = dlqKey({ NHI_DLQ_KEY: 'unit-dlq' });
const good = () => notableTraffic(1, 1).messages[0]!.value as string;

/** A dead letter as the consumer writes it, read back from the DLQ as kafkajs hands it over. */
function readBack(value: string | Buffer, opts: { format?: string; at?: string; reason?: string } = {}) {
  const original = kafkaMessage(7, value, { format: opts.format ?? 'auto', 'x-trace': 't' }, 'id-key');
  const m = toDlqMessage(
    {
      topic: 'findings.siem',
      partition: 1,
      message: original,
      reason: opts.reason ?? 'r',
      format: opts.format,
    },
    new Date(opts.at ?? '2026-11-30T01:00:00.000Z'),
    KEY,
  );
  const headers = Object.fromEntries(
    Object.entries(m.headers ?? {}).map(([k, v]) => [k, Buffer.from(v as string | Buffer)]),
  );
  const read = {
    key: m.key as Buffer,
    value: m.value as Buffer | null,
    headers,
    timestamp: m.timestamp ?? '0',
    offset: '3',
  } as unknown as KafkaMessage;
  return { original, read };
}

describe('dead letters read back', () => {
  it('the view says when, why, from where and how the value is kept', () => {
    const { read } = readBack('{"password": "hunter22"}', { reason: 'bad' });
    expect(viewOf(0, read)).toMatchObject({
      partition: 0,
      offset: '3',
      reason: 'bad',
      sourceTopic: 'findings.siem',
      sourceOffset: '7',
      sealed: true,
      deadLetteredAt: '2026-11-30T01:00:00.000Z',
    });
  });

  it('--since keeps the dead letters at or after the time', () => {
    const early = { partition: 0, message: readBack('x', { at: '2026-11-30T01:00:00.000Z' }).read };
    const late = { partition: 0, message: readBack('y', { at: '2026-11-30T03:00:00.000Z' }).read };
    expect(deadLettersSince([early, late], Date.parse('2026-11-30T02:00:00Z'))).toEqual([late]);
    expect(deadLettersSince([early, late], undefined)).toEqual([early, late]);
  });

  it('replays with the original key, timestamp and headers, marked as a replay', () => {
    const { original, read } = readBack(good());
    const replay = replayOf('findings.dlq', 0, read, KEY, 'k');
    expect(replay).toMatchObject({ ok: true, topic: 'findings.siem', findings: 1 });
    if (!replay.ok) return;
    expect(replay.message.key?.toString()).toBe('id-key');
    expect(replay.message.value?.toString()).toBe(original.value!.toString());
    expect(replay.message.timestamp).toBe(original.timestamp);
    const headers = replay.message.headers as Record<string, Buffer>;
    expect(headers.format!.toString()).toBe('auto');
    expect(headers['x-trace']!.toString()).toBe('t');
    expect(headers['nhi-replay-of']!.toString()).toBe('findings.dlq/0/3');
  });

  it('opens a sealed value with the DLQ key; another key is a reason to skip, not an error', () => {
    const secretish = JSON.stringify({ ...JSON.parse(good()), note: `ghp_${'aB3d'.repeat(9)}` });
    const { read } = readBack(secretish);
    expect(viewOf(0, read).sealed).toBe(true);
    const replay = replayOf('findings.dlq', 0, read, KEY, 'k');
    expect(replay.ok && replay.message.value?.toString()).toBe(secretish);
    expect(replayOf('findings.dlq', 0, read, dlqKey({ NHI_DLQ_KEY: 'other' }), 'k')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^sealed with DLQ key \w+, this is \w+/),
    });
  });

  it('skips what still fails, and what was not kept', () => {
    expect(replayOf('findings.dlq', 0, readBack('{}').read, KEY, 'k')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^still rejected: /),
    });
    const huge = readBack(Buffer.alloc(300 * 1024, 0x61)).read;
    expect(replayOf('findings.dlq', 0, huge, KEY, 'k')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/^value not kept \(value larger than/),
    });
  });

  it('a letter the caps in force would dead-letter again is left, naming the setting to raise', () => {
    const two = notableTraffic(2, 1)
      .messages.map((m) => m.value as string)
      .join('\n');
    const { read } = readBack(two);
    const policy = MessageLimitsPolicy.parse({ recordsPerMessage: 1 });
    expect(replayOf('findings.dlq', 0, read, KEY, 'k', messageLimits(policy, {}))).toEqual({
      ok: false,
      reason:
        'would be dead-lettered again: message exceeds the limit of 1 records (has 2; policy limits.recordsPerMessage); raise policy limits.recordsPerMessage (or NHI_MAX_RECORDS_PER_MESSAGE) first',
    });
    const env = { NHI_MAX_RECORDS_PER_MESSAGE: '1' };
    expect(replayOf('findings.dlq', 0, read, KEY, 'k', messageLimits(policy, env))).toMatchObject({
      reason: expect.stringMatching(/; raise NHI_MAX_RECORDS_PER_MESSAGE first$/),
    });
    expect(
      replayOf(
        'findings.dlq',
        0,
        read,
        KEY,
        'k',
        messageLimits(policy, { ...env, NHI_MAX_RECORDS_PER_MESSAGE: '2' }),
      ),
    ).toMatchObject({ ok: true, findings: 2 });
  });
});

describe('replay records', () => {
  const asRead = (m: Message, offset: string) => ({
    partition: 0,
    message: {
      ...m,
      offset,
      headers: Object.fromEntries(
        Object.entries(m.headers ?? {}).map(([k, v]) => [k, Buffer.from(String(v))]),
      ),
      value: Buffer.from(String(m.value)),
    } as unknown as KafkaMessage,
  });

  it('the latest replay of each letter wins; a record that does not parse is passed over', () => {
    const first = replayRecordMessage({
      partition: 0,
      offset: '3',
      at: '2026-11-30T01:00:00.000Z',
      sent: false,
      outcome: 'left: x',
    });
    const second = replayRecordMessage({
      partition: 0,
      offset: '3',
      at: '2026-11-30T02:00:00.000Z',
      sent: true,
      outcome: 'sent to t (1 finding(s))',
    });
    const junk = { ...first, value: '{"partition":"no"}' };
    const letter = readBack(good()).read;
    const read = [
      { partition: 0, message: letter },
      asRead(first, '10'),
      asRead(second, '11'),
      asRead(junk, '12'),
    ];
    expect(read.map(({ message }) => isReplayRecord(message))).toEqual([false, true, true, true]);
    const latest = latestReplays(read);
    expect(latest.size).toBe(1);
    expect(replayOfLetter(latest, 0, '3')).toMatchObject({ sent: true, outcome: 'sent to t (1 finding(s))' });
    expect(replayOfLetter(latest, 0, '4')).toBeUndefined();
  });
});
