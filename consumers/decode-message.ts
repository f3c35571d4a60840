// A Kafka message → canonical findings, and each record that cannot be used with its reason. The format comes
// from the message's `format` header, else `auto`. A bad record never takes its good neighbours with it: the
// valid records' findings go on, each invalid record is dead-lettered on its own (its index, reason and bytes).
// Never throws: whatever goes wrong with one message is its reason. Pure apart from hashing.
import { createHash } from 'node:crypto';
import type { Finding } from '../schemas/finding.ts';
import { FormatOrAuto } from '../schemas/finding.ts';
import { normalizeInput, OverBudgetError } from '../schemas/normalize.ts';
import { MessageLimitsPolicy } from '../schemas/policy.ts';
import { redactSecretShapes } from '../schemas/secret-shapes.ts';

/** Larger messages are refused before parsing (the default of policy `limits.messageBytes`). */
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

/**
 * Caps per message: one message must not fan out into unbounded work (signals, workflows, history), must not
 * reach recursive code with a pathological shape, and must not hold its partition (the time budget).
 */
export interface MessageLimits {
  records: number;
  findings: number;
  identities: number;
  bytes: number;
  depth: number;
  keys: number;
  stringChars: number;
  budgetMs: number;
  /** Where each cap came from, for the dead letter's reason: the policy's field or the overriding variable. */
  source?: Partial<Record<LimitName, string>>;
}

export type LimitName = Exclude<keyof MessageLimits, 'source'>;
type Capped = 'records' | 'findings' | 'identities';

export const LIMITS: Record<LimitName, { env: string; policy: keyof MessageLimitsPolicy }> = {
  records: { env: 'NHI_MAX_RECORDS_PER_MESSAGE', policy: 'recordsPerMessage' },
  findings: { env: 'NHI_MAX_FINDINGS_PER_MESSAGE', policy: 'findingsPerMessage' },
  identities: { env: 'NHI_MAX_IDENTITIES_PER_MESSAGE', policy: 'identitiesPerMessage' },
  bytes: { env: 'NHI_MAX_MESSAGE_BYTES', policy: 'messageBytes' },
  depth: { env: 'NHI_MAX_NESTING_DEPTH', policy: 'nestingDepth' },
  keys: { env: 'NHI_MAX_KEYS_PER_OBJECT', policy: 'keysPerObject' },
  stringChars: { env: 'NHI_MAX_STRING_CHARS', policy: 'stringChars' },
  budgetMs: { env: 'NHI_MESSAGE_BUDGET_MS', policy: 'messageBudgetMs' },
};

/**
 * The caps: the policy's `limits` (its defaults when no policy is given), each overridden by its environment
 * variable (LIMITS) when that is a positive integer.
 */
export function messageLimits(
  policy: MessageLimitsPolicy = MessageLimitsPolicy.parse({}),
  env: NodeJS.ProcessEnv = process.env,
): MessageLimits {
  const defaults = MessageLimitsPolicy.parse({});
  const limits = { source: {} } as MessageLimits;
  for (const k of Object.keys(LIMITS) as LimitName[]) {
    const { env: name, policy: field } = LIMITS[k];
    const n = Number(env[name]);
    const override = env[name] && Number.isInteger(n) && n > 0;
    // A policy parsed before a field existed (tests build them by hand) falls back to the default.
    limits[k] = override ? n : (policy[field] ?? defaults[field]);
    limits.source![k] = override ? name : `policy limits.${field}`;
  }
  return limits;
}

const sourceOf = (limits: MessageLimits, k: LimitName) =>
  limits.source?.[k] ?? `policy limits.${LIMITS[k].policy}`;

function overLimit(
  limits: MessageLimits,
  counts: Record<Capped, number>,
): { reason: string; cap: LimitName } | undefined {
  for (const k of ['records', 'findings', 'identities'] as const) {
    if (counts[k] > limits[k])
      return {
        reason: `message exceeds the limit of ${limits[k]} ${k} (has ${counts[k]}; ${sourceOf(limits, k)})`,
        cap: k,
      };
  }
  return undefined;
}

/** The setting that raises a cap, as an operator types it: the variable in force, else the policy field (or the variable). */
export function capSetting(limits: MessageLimits, cap: LimitName): string {
  const source = sourceOf(limits, cap);
  return source === LIMITS[cap].env ? source : `${source} (or ${LIMITS[cap].env})`;
}

/** The dead letter's reason for a message that ran out of time. */
export const overBudgetReason = (limits: MessageLimits) =>
  `message exceeded its time budget of ${limits.budgetMs} ms (${sourceOf(limits, 'budgetMs')})`;

export type Decoded =
  /** Some or all records usable (or none there: an empty report); `rejected` lists the others. */
  | { ok: true; findings: Finding[]; rejected: RejectedRecord[] }
  /**
   * The message as a whole cannot be used (empty, too large, unreadable, one bad record): dead-letter it.
   * `hostile`: it broke a limit meant for hostile input (time, an exception): the DLQ seals its value unscanned.
   */
  | {
      ok: false;
      reason: string;
      format?: string;
      hostile?: 'budget' | 'exception';
      /** The cap the message broke (a size, a count, the time budget): raising it lets the message through. */
      cap?: LimitName;
    };

export function headerText(value: Buffer | string | (Buffer | string)[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

/** An exception's message as a reason: one line, clipped before it is scanned, credential shapes redacted. */
export function exceptionReason(what: string, error: unknown): string {
  let text: string;
  try {
    text = String((error as Error)?.message ?? error);
  } catch {
    text = 'unprintable error';
  }
  return redactSecretShapes(`${what}: ${text.split('\n')[0]!.slice(0, 200)}`);
}

/** JSON of a rejected record; never throws (the structure check bounds it, and a failure keeps its line). */
function recordText(input: unknown, line: string): string {
  try {
    return JSON.stringify(input) ?? line;
  } catch {
    return line;
  }
}

/**
 * Never throws: an exception anywhere in decoding is the message's dead-letter reason. `overBudget` is asked
 * between documents and records (message-budget.ts gives it the message's deadline).
 */
export function decodeMessage(
  value: Buffer | null,
  formatHeader: string | undefined,
  fingerprintKey: string,
  limits: MessageLimits = messageLimits(),
  /** The message's timestamp (ISO): stamped on each finding as `reportedAt`. */
  reportedAt?: string,
  overBudget?: () => boolean,
): Decoded {
  try {
    return decodeUnsafe(value, formatHeader, fingerprintKey, limits, reportedAt, overBudget);
  } catch (error) {
    if (error instanceof OverBudgetError)
      return { ok: false, reason: overBudgetReason(limits), hostile: 'budget', cap: 'budgetMs' };
    return { ok: false, reason: exceptionReason('decoding failed', error), hostile: 'exception' };
  }
}

function decodeUnsafe(
  value: Buffer | null,
  formatHeader: string | undefined,
  fingerprintKey: string,
  limits: MessageLimits,
  reportedAt: string | undefined,
  overBudget: (() => boolean) | undefined,
): Decoded {
  if (!value || value.length === 0) return { ok: false, reason: 'empty message' };
  if (value.length > limits.bytes)
    return {
      ok: false,
      reason: `message too large (${value.length} bytes > ${limits.bytes}; ${sourceOf(limits, 'bytes')})`,
      cap: 'bytes',
    };
  const format = FormatOrAuto.safeParse(formatHeader ?? 'auto');
  if (!format.success)
    return { ok: false, reason: `unknown format header '${String(formatHeader).slice(0, 40)}'` };
  const outcomes = normalizeInput(value, {
    format: format.data,
    fingerprintKey,
    structure: { depth: limits.depth, keys: limits.keys, stringChars: limits.stringChars },
    structureSource: {
      depth: sourceOf(limits, 'depth'),
      keys: sourceOf(limits, 'keys'),
      stringChars: sourceOf(limits, 'stringChars'),
    },
    overBudget,
  });
  if (outcomes.length > limits.records)
    return { ok: false, ...overLimit(limits, { records: outcomes.length, findings: 0, identities: 0 })! };
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
    const line = lines[o.line - 1] ?? '';
    const alone = o.input !== undefined ? recordText(o.input, line) : line;
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
  if (exceeded) return { ok: false, ...exceeded, format: outcomes[0]?.format };
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
