// Case kinds derived from workflow histories other than remediations: for each, which workflows hold its cases,
// which cases a history holds, and how one is summarised (pure). Export and verify go through this table only, so
// a new kind (exception requests, access requests, refused messages) is one entry here (workflow type, deriver, where its cases are found), its name
// in manifest.ts DERIVED_CASE_KINDS, and a summary that extends CaseSummary: the report and verify need no change.
import type { Client } from '@temporalio/client';
import { ACCESS_WORKFLOW_TYPE } from '../workflows/access/definitions.ts';
import { IDENTITY_WORKFLOW_TYPE } from '../workflows/identity/definitions.ts';
import { selectAccessHolders } from './access-holders.ts';
import { deriveAccessSummaries } from './access-summary.ts';
import type { CaseSummary } from './case-summary.ts';
import { selectExceptionHolders } from './exception-holders.ts';
import { deriveExceptionSummaries } from './exception-summary.ts';
import type { DerivedCaseKind, ExportQuery } from './manifest.ts';
import { selectRefusalHolders } from './refusal-holders.ts';
import { deriveRefusalCases, type RefusalCaseKind, refusalWorkflowType } from './refused-message-cases.ts';
import type { RunEvents } from './summary.ts';

export interface CaseKind {
  /** The workflow type whose histories hold cases of this kind. */
  workflowType: string;
  /** Every case in one workflow's run chain, oldest first. */
  derive(runs: RunEvents[]): CaseSummary[];
  /**
   * Workflows that may hold cases matching the query, besides those an export reads anyway (the remediations'
   * identities). `skipped` is told, one line each, what could not be looked at.
   */
  holders?(client: Client, query: ExportQuery, skipped?: (line: string) => void): Promise<string[]>;
}

export const CASE_KINDS: Record<DerivedCaseKind, CaseKind> = {
  exception: {
    workflowType: IDENTITY_WORKFLOW_TYPE,
    derive: deriveExceptionSummaries,
    holders: selectExceptionHolders,
  },
  access: {
    workflowType: ACCESS_WORKFLOW_TYPE,
    derive: deriveAccessSummaries,
    holders: selectAccessHolders,
  },
  'control-refusal': refusalKind('control-refusal'),
  'registry-refusal': refusalKind('registry-refusal'),
};

/** The refusals of the enforcement control or the team-action registry: one case each (refused-message-cases.ts). */
function refusalKind(kind: RefusalCaseKind): CaseKind {
  const workflowType = refusalWorkflowType(kind);
  return {
    workflowType,
    derive: (runs) => deriveRefusalCases(kind, runs),
    holders: selectRefusalHolders(workflowType),
  };
}

/**
 * Whether a case matches the export's query: its identity, its action, and when it opened — or, for archives
 * (window closed), when it was settled, so an open case is archived once it is.
 */
export function caseMatches(c: CaseSummary, query: ExportQuery): boolean {
  if (query.identity && c.identity.key !== query.identity) return false;
  if (query.action && c.action !== query.action) return false;
  const closed = query.window === 'closed';
  const at = closed ? c.endedAt : c.openedAt;
  if (at === undefined) return false;
  const t = Date.parse(at);
  if (query.since && t < Date.parse(query.since)) return false;
  if (query.until && (closed ? t >= Date.parse(query.until) : t > Date.parse(query.until))) return false;
  return true;
}

/** The case kinds whose cases a workflow of this type holds. */
export const kindsFor = (workflowType: string | undefined): DerivedCaseKind[] =>
  (Object.keys(CASE_KINDS) as DerivedCaseKind[]).filter((k) => CASE_KINDS[k].workflowType === workflowType);
