// Synthetic findings traffic for benches and ingest tests: Splunk ES notables (a compact real format, ~240 bytes)
// about AWS users of a random account, so one run's identity workflow ids never meet another run's.
import { randomInt, randomUUID } from 'node:crypto';
import type { Message } from 'kafkajs';
import { decodeMessage } from '../consumers/decode-message.ts';
import { fingerprintKeyFromEnv } from '../schemas/redaction.ts';

export interface Traffic {
  messages: Message[];
  /** identity key → the finding ids it must end up with. */
  expected: Map<string, Set<string>>;
  findings: number;
  /** Distinct findings among them (the rest repeat one with only volatile fields changed). */
  distinct: number;
}

const RULES = [
  'Access - Excessive Failed Logins - Rule',
  'Identity - AWS Access Key Used From New Country - Rule',
  'Access - Unusual API Calls By Service Account - Rule',
];

export interface TrafficOptions {
  /**
   * Share of the messages (0..1) that repeat an earlier finding with only volatile fields changed (an occurrence
   * count and the tool's own timestamp): the same finding id, nothing a workflow needs to hear again.
   */
  repeatRatio?: number;
}

/** `count` notables spread at random over `identities` users, keyed by identity as `nhi ingest` keys them. */
export function notableTraffic(
  count: number,
  identities: number,
  runId = randomUUID().slice(0, 8),
  opts: TrafficOptions = {},
): Traffic {
  const account = String(randomInt(100_000_000_000, 999_999_999_999));
  const fingerprintKey = fingerprintKeyFromEnv();
  const expected = new Map<string, Set<string>>();
  const messages: Message[] = [];
  const originals: Array<{ result: Record<string, unknown>; key: string }> = [];
  const repeatRatio = opts.repeatRatio ?? 0;
  let distinct = 0;
  for (let i = 0; i < count; i++) {
    // Every identity gets at least one finding: the first `identities` records go round-robin.
    if (i >= identities && originals.length > 0 && Math.random() < repeatRatio) {
      const earlier = originals[randomInt(originals.length)]!;
      messages.push({
        key: earlier.key,
        value: JSON.stringify({
          result: { ...earlier.result, count: String(i), orig_time: String(1767225600 + i) },
        }),
        headers: { format: 'splunk-notable' },
      });
      continue;
    }
    const n = distinct++;
    const user = i < identities ? i : randomInt(identities);
    const result = {
      _time: new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString(),
      _raw: `${1767225600 + n}, search_name="${RULES[n % RULES.length]}", user="arn:aws:iam::${account}:user/ingest-${runId}-${user}", src="203.0.113.${n % 250}", urgency="low", event_id="${runId}-${n}"`,
    };
    const value = JSON.stringify({ result });
    const decoded = decodeMessage(Buffer.from(value), 'splunk-notable', fingerprintKey);
    if (!decoded.ok) throw new Error(`synthetic traffic does not normalise: ${decoded.reason}`);
    for (const f of decoded.findings) {
      for (const identity of f.identities) {
        const set = expected.get(identity.key) ?? new Set<string>();
        set.add(f.id);
        expected.set(identity.key, set);
      }
    }
    const key = decoded.findings[0]!.identities[0]!.key;
    if (repeatRatio > 0) originals.push({ result, key });
    messages.push({ key, value, headers: { format: 'splunk-notable' } });
  }
  return { messages, expected, findings: count, distinct };
}

/** The same notable again with a field that matters changed (its signature): the workflow must hear of it. */
export function changedNotable(message: Message, signature: string): Message {
  const { result } = JSON.parse(String(message.value)) as { result: Record<string, unknown> };
  return { ...message, value: JSON.stringify({ result: { ...result, signature } }) };
}
