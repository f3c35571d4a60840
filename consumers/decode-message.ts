// A Kafka message → canonical findings, and each record that cannot be used with its reason. The format comes
// from the message's `format` header, else `auto`. A bad record never takes its good neighbours with it: the
// valid records' findings go on, each invalid record is dead-lettered on its own (its index, reason and bytes).
// Pure apart from hashing.
import { createHash } from 'node:crypto';
import type { Finding } from '../schemas/finding.ts';
import { FormatOrAuto } from '../schemas/finding.ts';
import { normalizeInput } from '../schemas/normalize.ts';
import { MessageLimitsPolicy } from '../schemas/policy.ts';

/** Larger messages are refused before parsing: a finding record is kilobytes, not megabytes. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/** One record of a multi-record message that could not be used. */
export interface RejectedRecord {
  /** 1-based line of its document (JSON lines) and 0-based position among that document's records. */
  line: number;
  record: number;
  reason: string;
  format?: string;
  /** The record alone (JSON), or its line's text when the line did not parse. */
  value: Buffer;
}

/** Caps per message: one message must not fan out into unbounded work (signals, workflows, history). */
export interface MessageLimits {
  records: number;
  findings: number;
  identities: number;
  /** Where each cap came from, for the dead letter's reason: the policy's field or the overriding variable. */
  source?: Partial<Record<keyof MessageLimits & ('records' | 'findings' | 'identities'), string>>;
}

type Capped = 'records' | 'findings' | 'identities';

const LIMITS: Record<Capped, { env: string; policy: keyof MessageLimitsPolicy }> = {
  records: { env: 'NHI_MAX_RECORDS_PER_MESSAGE', policy: 'recordsPerMessage' },
  findings: { env: 'NHI_MAX_FINDINGS_PER_MESSAGE', policy: 'findingsPerMessage' },
  identities: { env: 'NHI_MAX_IDENTITIES_PER_MESSAGE', policy: 'identitiesPerMessage' },
};

/**
 * The caps: the policy's `limits` (its defaults when no policy is given), each overridden by its
 * NHI_MAX_{RECORDS,FINDINGS,IDENTITIES}_PER_MESSAGE when that is a positive integer.
 */
export function messageLimits(
  policy: MessageLimitsPolicy = MessageLimitsPolicy.parse({}),
  env: NodeJS.ProcessEnv = process.env,
): MessageLimits {
  const limits: MessageLimits = { records: 0, findings: 0, identities: 0, source: {} };
  for (const k of ['records', 'findings', 'identities'] as const) {
    const { env: name, policy: field } = LIMITS[k];
    const n = Number(env[name]);
    const override = env[name] && Number.isInteger(n) && n > 0;
    limits[k] = override ? n : policy[field];
    limits.source![k] = override ? name : `policy limits.${field}`;
  }
  return limits;
}

function overLimit(limits: MessageLimits, counts: Record<Capped, number>): string | undefined {
  for (const k of ['records', 'findings', 'identities'] as const) {
    if (counts[k] > limits[k]) {
      const source = limits.source?.[k] ?? `policy limits.${LIMITS[k].policy}`;
      return `message exceeds the limit of ${limits[k]} ${k} (has ${counts[k]}; ${source})`;
    }
  }
  return undefined;
}

export type Decoded =
  /** Some or all records usable (or none there: an empty report); `rejected` lists the others. */
  | { ok: true; findings: Finding[]; rejected: RejectedRecord[] }
  /** The message as a whole cannot be used (empty, too large, unreadable, one bad record): dead-letter it. */
  | { ok: false; reason: string; format?: string };

export function headerText(value: Buffer | string | (Buffer | string)[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

export function decodeMessage(
  value: Buffer | null,
  formatHeader: string | undefined,
  fingerprintKey: string,
  limits: MessageLimits = messageLimits(),
  /** The message's timestamp (ISO): stamped on each finding as `reportedAt`. */
  reportedAt?: string,
): Decoded {
  if (!value || value.length === 0) return { ok: false, reason: 'empty message' };
  if (value.length > MAX_MESSAGE_BYTES)
    return { ok: false, reason: `message too large (${value.length} bytes > ${MAX_MESSAGE_BYTES})` };
  const format = FormatOrAuto.safeParse(formatHeader ?? 'auto');
  if (!format.success)
    return { ok: false, reason: `unknown format header '${String(formatHeader).slice(0, 40)}'` };
  const outcomes = normalizeInput(value, { format: format.data, fingerprintKey });
  if (outcomes.length > limits.records)
    return {
      ok: false,
      reason: overLimit(limits, { records: outcomes.length, findings: 0, identities: 0 })!,
    };
  const findings: Finding[] = [];
  const rejected: RejectedRecord[] = [];
  let lines: string[] | undefined;
  for (const o of outcomes) {
    if (o.ok) {
      findings.push(...o.findings);
      continue;
    }
    // One record and it is bad: the message itself is the dead letter (its exact bytes are kept).
    if (outcomes.length === 1) return { ok: false, reason: o.reason, format: o.format };
    lines ??= value.toString('utf8').split(/\r?\n/);
    const alone = o.input !== undefined ? JSON.stringify(o.input) : (lines[o.line - 1] ?? '');
    rejected.push({
      line: o.line,
      record: o.record,
      reason: o.reason,
      format: o.format,
      value: Buffer.from(alone, 'utf8'),
    });
  }
  const identities = new Set(findings.flatMap((f) => f.identities.map((i) => i.key))).size;
  const exceeded = overLimit(limits, { records: outcomes.length, findings: findings.length, identities });
  if (exceeded) return { ok: false, reason: exceeded, format: outcomes[0]?.format };
  return {
    ok: true,
    findings: reportedAt ? findings.map((f) => ({ ...f, reportedAt })) : findings,
    rejected,
  };
}

/** A Kafka message timestamp (ms since the epoch, as text) → ISO; undefined when absent or unreadable. */
export function messageTime(timestamp: string | undefined): string | undefined {
  const ms = Number(timestamp);
  return timestamp && Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString() : undefined;
}

export const sha256 = (value: Buffer) => createHash('sha256').update(value).digest('hex');
