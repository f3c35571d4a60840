// What `nhi dlq replay` did with each dead letter, kept in the dead-letter topic itself beside the letters (a
// message with the header nhi-replay-record and no source-topic), so `nhi dlq list` can mark replayed letters and
// a second replay knows the first happened. Positions and outcomes only: a reason is already a redacted header.
import type { KafkaMessage, Message } from 'kafkajs';
import { z } from 'zod';
import { headerText } from './decode-message.ts';

export const REPLAY_RECORD_HEADER = 'nhi-replay-record';

export const ReplayRecord = z.object({
  /** The dead letter: its partition and offset in the dead-letter topic. */
  partition: z.number().int().nonnegative(),
  offset: z.string().regex(/^\d+$/),
  at: z.iso.datetime(),
  /** Sent back to its source topic, or left in the DLQ (and why). */
  sent: z.boolean(),
  outcome: z.string().max(600),
});
export type ReplayRecord = z.infer<typeof ReplayRecord>;

const letterId = (partition: number, offset: string) => `${partition}/${offset}`;

export function replayRecordMessage(record: ReplayRecord): Message {
  return {
    key: null,
    value: JSON.stringify(record),
    headers: { [REPLAY_RECORD_HEADER]: letterId(record.partition, record.offset) },
  };
}

export const isReplayRecord = (m: KafkaMessage) =>
  headerText(m.headers?.[REPLAY_RECORD_HEADER]) !== undefined;

/** The latest replay of each dead letter (by partition/offset); a record that does not parse is passed over. */
export function latestReplays(messages: Array<{ message: KafkaMessage }>): Map<string, ReplayRecord> {
  const latest = new Map<string, ReplayRecord>();
  for (const { message } of messages) {
    if (!isReplayRecord(message)) continue;
    let parsed: ReturnType<typeof ReplayRecord.safeParse>;
    try {
      parsed = ReplayRecord.safeParse(JSON.parse(String(message.value ?? '')));
    } catch {
      continue;
    }
    if (!parsed.success) continue;
    const id = letterId(parsed.data.partition, parsed.data.offset);
    const seen = latest.get(id);
    if (!seen || Date.parse(seen.at) <= Date.parse(parsed.data.at)) latest.set(id, parsed.data);
  }
  return latest;
}

export const replayOfLetter = (latest: Map<string, ReplayRecord>, partition: number, offset: string) =>
  latest.get(letterId(partition, offset));
