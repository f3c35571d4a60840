// A rescan scope's memory: which secrets a tool last reported open in one scope (a repository or path), so that a
// complete rescan that no longer reports one closes it. Pure and deterministic: the workflow passes time in.
import type { Finding, Format } from '../../schemas/finding.ts';
import type { IdentityRef } from '../../schemas/identity.ts';

/** One secret in a rescan: its check (schemas/check-key.ts) and the identity it is on. */
export interface RescanEntry {
  checkKey: string;
  identity: IdentityRef;
}

/** A message marked as the complete result of `format` for `scope` (header nhi-rescan-scope). */
export interface RescanReport {
  format: Format;
  scope: string;
  /** When the report reached Kafka (the message's timestamp): an older report than the last one is ignored. */
  at: string;
  entries: RescanEntry[];
}

export interface ScopeState {
  format: Format;
  scope: string;
  /** The latest complete report's time. */
  lastAt?: string;
  /** checkKey → identity of every secret the latest complete report named. */
  open: Record<string, IdentityRef>;
}

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
