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
}

const RULES = [
  'Access - Excessive Failed Logins - Rule',
  'Identity - AWS Access Key Used From New Country - Rule',
  'Access - Unusual API Calls By Service Account - Rule',
];

/** `count` notables spread at random over `identities` users, keyed by identity as `nhi ingest` keys them. */
export function notableTraffic(count: number, identities: number, runId = randomUUID().slice(0, 8)): Traffic {
  const account = String(randomInt(100_000_000_000, 999_999_999_999));
  const fingerprintKey = fingerprintKeyFromEnv();
  const expected = new Map<string, Set<string>>();
  const messages: Message[] = [];
  for (let i = 0; i < count; i++) {
    // Every identity gets at least one finding: the first `identities` records go round-robin.
    const user = i < identities ? i : randomInt(identities);
    const value = JSON.stringify({
      result: {
        _time: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
        _raw: `${1767225600 + i}, search_name="${RULES[i % RULES.length]}", user="arn:aws:iam::${account}:user/ingest-${runId}-${user}", src="203.0.113.${i % 250}", urgency="low", event_id="${runId}-${i}"`,
      },
    });
    const decoded = decodeMessage(Buffer.from(value), 'splunk-notable', fingerprintKey);
    if (!decoded.ok) throw new Error(`synthetic traffic does not normalise: ${decoded.reason}`);
    for (const f of decoded.findings) {
      for (const identity of f.identities) {
        const set = expected.get(identity.key) ?? new Set<string>();
        set.add(f.id);
        expected.set(identity.key, set);
      }
    }
    messages.push({
      key: decoded.findings[0]!.identities[0]!.key,
      value,
      headers: { format: 'splunk-notable' },
    });
  }
  return { messages, expected, findings: count };
}
