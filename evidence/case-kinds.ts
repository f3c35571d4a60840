// Case kinds derived from workflow histories other than remediations: for each, which workflows hold its cases,
// which cases a history holds, and how one is summarised (pure). Export and verify go through this table only, so
// a new kind (e.g. access requests) is one entry here, its name in manifest.ts DERIVED_CASE_KINDS, and its deriver.
import type { CaseSummary } from './case-summary.ts';
import { deriveExceptionSummaries } from './exception-summary.ts';
import type { DerivedCaseKind, ExportQuery } from './manifest.ts';
import type { RunEvents } from './summary.ts';

export interface CaseKind {
  /** The workflow type whose histories hold cases of this kind. */
  workflowType: string;
  /** Every case in one workflow's run chain, oldest first. */
  derive(runs: RunEvents[]): CaseSummary[];
  /** Whether a case matches the export's query (identity and action are checked by the caller). */
  inWindow(summary: CaseSummary, query: ExportQuery): boolean;
  /** The action the query's --action compares with. */
  action(summary: CaseSummary): string;
}

const within = (at: string | undefined, query: ExportQuery, closed: boolean) => {
  if (!at) return !closed && !query.since && !query.until;
  const t = Date.parse(at);
  if (query.since && t < Date.parse(query.since)) return false;
  if (query.until && (closed ? t >= Date.parse(query.until) : t > Date.parse(query.until))) return false;
  return true;
};

export const CASE_KINDS: Record<DerivedCaseKind, CaseKind> = {
  exception: {
    workflowType: 'identityWorkflow',
    derive: deriveExceptionSummaries,
    // Archives (window closed) take an exception once it ended: refused, rejected, expired, revoked or run out.
    inWindow: (s, query) => {
      const e = s as unknown as { requestedAt: string; endedAt?: string; status: string };
      if (query.window !== 'closed') return within(e.requestedAt, query, false);
      const ended = e.status === 'refused' || e.status === 'rejected' ? e.requestedAt : e.endedAt;
      return ended !== undefined && within(lastDecisionAt(s) ?? ended, query, true);
    },
    action: (s) => (s as unknown as { action: string }).action,
  },
};

/** A rejected request ends at its rejection: the last counted decision. */
function lastDecisionAt(s: CaseSummary): string | undefined {
  if (s.status !== 'rejected') return undefined;
  return s.decisions.filter((d) => d.outcome === 'accepted').at(-1)?.at;
}

/** The case kinds whose cases a workflow of this type holds. */
export const kindsFor = (workflowType: string | undefined): DerivedCaseKind[] =>
  (Object.keys(CASE_KINDS) as DerivedCaseKind[]).filter((k) => CASE_KINDS[k].workflowType === workflowType);
