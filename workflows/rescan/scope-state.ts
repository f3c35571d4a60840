// A rescan scope's memory: which secrets a tool last reported open in one scope (a repository or path), so that a
// complete rescan that no longer reports one closes it. Pure and deterministic: the workflow passes time in.
import type { Finding, Format } from '../../schemas/finding.ts';
import type { IdentityRef } from '../../schemas/identity.ts';
import type { RefusedMessage } from '../../schemas/refused-message.ts';

/** One secret in a rescan: its check (schemas/check-key.ts) and the identity it is on. */
export interface RescanEntry {
  checkKey: string;
  identity: IdentityRef;
}

/** A message marked as the complete result of `format` for `scope` (header nhi-rescan-scope). */
export interface RescanReport {
  format: Format;
  /** The readable scope (schemas/rescan-scope.ts): no URL credentials, no credential shapes. */
  scope: string;
  /**
   * When the report reached Kafka: the message's timestamp, which the broker sets on topics with
   * message.timestamp.type=LogAppendTime (infra/topics.ts), so a producer cannot date a report into the future.
   * An older report than the last one is ignored.
   */
  at: string;
  entries: RescanEntry[];
  /** Where the consumer read it: the policy's `rescans` say which topics may carry which scopes. */
  topic?: string;
  partition?: number;
  offset?: string;
  /** The consumer's service signature over all of the above (schemas/rescan-report-mac.ts). */
  mac?: string;
}

export interface ScopeState {
  format: Format;
  scope: string;
  /** The latest complete report's time. */
  lastAt?: string;
  /** Reports refused or recorded as a tool's claim (schemas/refused-message.ts), newest last. */
  refused?: RefusedMessage[];
  /** The findings closed by this scope's rescans, newest last (bounded). */
  closures?: RescanClosure[];
  /** checkKey → identity of every secret the latest complete report named. */
  open: Record<string, IdentityRef>;
}

/** The worker's check of a report (activities/rescan-check.ts): only `closes` may close anything. */
export type RescanCheck =
  | { verdict: 'closes' }
  /** A real consumer's report for a scope, topic or tool the policy does not declare: recorded, closes nothing. */
  | { verdict: 'claim'; reason: string }
  /** Not the consumer's (no valid service signature): refused and recorded. */
  | { verdict: 'refused'; reason: string };

/** A finding a rescan closed: kept in the rescan workflow's memo (RESCAN_CLOSURES_MEMO_KEY), shown by the evidence. */
export interface RescanClosure {
  at: string;
  format: Format;
  scope: string;
  checkKey: string;
  identity: string;
  /** Where the closing report was read (topic/partition@offset). */
  report?: string;
}

/** Closures kept in the workflow's state and memo (its history keeps every one). */
export const MAX_CLOSURES_KEPT = 200;

/** Secrets kept per scope: a repository with more is reported by several scopes (paths). */
export const MAX_SCOPE_ENTRIES = 5_000;

export interface RescanOutcome {
  /** The closing reports to deliver, one per secret no longer reported, with the identity to deliver it to. */
  closings: Array<{ identity: IdentityRef; finding: Finding }>;
  ignored?: string;
}

/**
 * Applies a complete report: every secret of the previous report that this one does not name is closed as
 * resolved (by its check key), and this report becomes the one to compare the next with. `newId` gives each
 * closing report an id (f_ + 32 hex).
 */
export function applyRescan(state: ScopeState, report: RescanReport, newId: () => string): RescanOutcome {
  if (state.lastAt && Date.parse(report.at) <= Date.parse(state.lastAt))
    return { closings: [], ignored: `a report at ${report.at} is not newer than the last (${state.lastAt})` };
  const now = new Map(report.entries.slice(0, MAX_SCOPE_ENTRIES).map((e) => [e.checkKey, e.identity]));
  const closings: RescanOutcome['closings'] = [];
  for (const [checkKey, identity] of Object.entries(state.open)) {
    if (now.has(checkKey)) continue;
    closings.push({
      identity,
      finding: {
        schemaVersion: 1,
        id: newId(),
        source: { format: state.format, product: state.format, vendor: 'nhi-enforce rescan' },
        kind: 'exposed-secret',
        status: 'resolved',
        statusReason: `no longer reported by a complete ${state.format} rescan of ${state.scope}`,
        checkKey,
        title: `Secret no longer reported in ${state.scope}`,
        severity: { label: 'info', score: 0 },
        time: report.at,
        reportedAt: report.at,
        identities: [identity],
        resources: [],
        references: [],
        evidence: { rescanScope: state.scope },
      },
    });
  }
  state.open = Object.fromEntries(now);
  state.lastAt = report.at;
  return { closings };
}
